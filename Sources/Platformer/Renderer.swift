import GenieMedia

extension PlatformerGame {
    /// Draws the state as one frame: sky, parallax scenery, tiles, coins, flag, enemies,
    /// player. Depends only on the state, so equal states give equal frames.
    public func render(_ s: PlatformerState) -> Frame {
        let art = assets.art(s.theme)
        let level = s.level
        let cam = cameraX(s)
        let tp = Physics.tilePixels
        var canvas = Canvas(width: width, height: height)

        // Sky: the 1-pixel-wide gradient stretched over the frame height.
        for y in 0..<height {
            let sy = y * art.sky.height / height
            canvas.fillRow(y, r: art.sky.pixels[3 * sy], g: art.sky.pixels[3 * sy + 1], b: art.sky.pixels[3 * sy + 2])
        }
        // Scenery scrolls slower than the level: far things at 1/2, high things at 1/4.
        for item in level.scenery {
            switch item.kind {
            case .far:
                canvas.draw(art.far, x: item.x - cam / 2, y: height - 2 * tp - art.far.height)
            case .deco:
                canvas.draw(art.deco, x: item.x - cam / 4, y: item.y)
            }
        }
        // Tiles in view (columns outside the level read as brick: the `follow` camera shows them).
        let firstColumn = Physics.floorDiv(cam, tp)
        let lastColumn = Physics.floorDiv(cam + width - 1, tp)
        let coinFrame = assets.coin[(s.tick / 4) % 2]
        for row in 0..<level.rows {
            for column in firstColumn...lastColumn {
                let x = column * tp - cam, y = row * tp
                switch level[column, row] {
                case .empty: break
                case .groundTop: canvas.draw(art.groundTop, x: x, y: y)
                case .ground, .rock: canvas.draw(art.ground, x: x, y: y)
                case .brick: canvas.draw(art.brick, x: x, y: y)
                case .platform: canvas.draw(art.platform, x: x, y: y)
                case .coin: canvas.draw(coinFrame, x: x, y: y)
                }
            }
        }
        // The goal flag stands on the ground of its column.
        let flagBottom = (level.surfaceRow(level.goalColumn) ?? level.rows) * tp
        canvas.draw(assets.flag, x: level.goalColumn * tp - cam, y: flagBottom - assets.flag.height)

        for e in s.enemies {
            let frames = e.direction < 0 ? assets.enemyLeft : assets.enemyRight
            let sprite = e.squashed > 0 ? frames[2] : frames[(e.walkDistance / 6) % 2]
            canvas.draw(sprite, x: Physics.floorDiv(e.x, Physics.subpixels) - cam, y: Physics.floorDiv(e.y, Physics.subpixels))
        }

        let p = s.player
        let frames = p.facingLeft ? assets.playerLeft : assets.playerRight
        let pose: Int
        if !p.onGround {
            pose = 3
        } else if p.vx != 0 {
            pose = 1 + (p.runDistance / (5 * Physics.subpixels)) % 2
        } else {
            pose = 0
        }
        canvas.draw(frames[pose], x: p.pixelX - 1 - cam, y: p.pixelY)
        return canvas.frame
    }
}
