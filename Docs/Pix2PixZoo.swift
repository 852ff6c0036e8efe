// Pix2PixZoo documentation catalog (Docs/Pix2PixZoo.docc). This file only exists so that SwiftPM
// treats Docs/ as a target that swift-docc-plugin can document; it holds no code.
