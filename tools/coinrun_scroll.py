#!/usr/bin/env python3
"""How visible is a CoinRun key in one transition? For each transition of the first 25
episodes under ROOT, the whole-frame horizontal shift (-4..4 px) that best maps frame t
onto frame t+1, against the direction of the key pressed (docs/coinrun.md, section 3).

    python tools/coinrun_scroll.py runs/coinrun/heldout-roamer    (needs numpy and Pillow)
"""
import os, csv, sys
if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
    sys.exit("usage: coinrun_scroll.py EPISODES_FOLDER (a folder of episode_NNNNN folders with actions.csv)")
try:
    import numpy as np
    from PIL import Image
except ImportError as e:
    sys.exit(f"coinrun_scroll.py needs numpy and Pillow ({e.name} is missing): pip install numpy pillow")
root=sys.argv[1]
DIR={0:0,1:-1,2:1,3:0,4:-1,5:1}
dxs=[];ds=[];ddx=[];dprev=[]
for ep in sorted(os.listdir(root))[:25]:
    p=os.path.join(root,ep)
    rows=list(csv.DictReader(open(os.path.join(p,'actions.csv'))))
    fr=sorted(f for f in os.listdir(p) if f.endswith('.png'))
    X=[np.asarray(Image.open(os.path.join(p,f)),dtype=np.float32) for f in fr]
    prev=None
    for t in range(len(X)-1):
        a,b=X[t],X[t+1]
        best=None
        for s in range(-4,5):
            if s>=0: e=np.abs(b[:,s:]-a[:,:64-s] if s>0 else b-a).mean()
            else: e=np.abs(b[:,:64+s]-a[:,-s:]).mean()
            if best is None or e<best[0]: best=(e,s)
        dx=best[1]; d=DIR[int(rows[t]['action'])]
        dxs.append(dx); ds.append(d)
        if prev is not None: ddx.append(dx-prev[0]); dprev.append(d)
        prev=(dx,d)
dxs=np.array(dxs);ds=np.array(ds);ddx=np.array(ddx);dprev=np.array(dprev)
print("transitions",len(ds))
print("corr(shift, key dir)",np.corrcoef(dxs,ds)[0,1])
print("corr(change of shift, key dir)",np.corrcoef(ddx,dprev)[0,1])
for d in (-1,0,1):
    m=ds==d; print("key",d,"shift hist",np.bincount(dxs[m]+4,minlength=9))
