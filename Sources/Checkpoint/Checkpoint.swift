// The Checkpoint module; see Docs/Pix2PixZoo.docc.
