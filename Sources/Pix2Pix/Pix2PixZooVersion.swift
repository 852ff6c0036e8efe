/// The framework version written into configs, checkpoints and model cards.
public enum Pix2PixZooVersion {
    public static let string = "0.4.0"
}
