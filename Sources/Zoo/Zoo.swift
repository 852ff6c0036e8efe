// The Zoo module; see Docs/Pix2PixZoo.docc.
