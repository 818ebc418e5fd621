"""What the CoinRun analysis tools share: genie's six controls read as a direction and a
jump, and the check that numpy and Pillow are there (docs/coinrun.md, section 3)."""
import sys

# genie's control ids (noop, left, right, jump, left+jump, right+jump) as a direction
# (-1 left, 0 none, 1 right) and as jump or not.
DIRECTION = {0: 0, 1: -1, 2: 1, 3: 0, 4: -1, 5: 1}
JUMP = {0: 0, 1: 0, 2: 0, 3: 1, 4: 1, 5: 1}


def require_numpy_and_pillow(tool):
    """Imports numpy and Pillow's Image, or ends `tool` with one line saying how to get them."""
    try:
        import numpy
        from PIL import Image
    except ImportError as e:
        sys.exit(f"{tool} needs numpy and Pillow ({e.name} is missing): pip install numpy pillow")
    return numpy, Image
