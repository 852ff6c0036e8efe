import ArgumentParser
import Export
import Pix2Pix

extension CheckpointCommand.Convert {
    /// `ckpt convert FILE.safetensors --storage S -o OUT.pzck [--generator NAME --g key=value …]`: the
    /// architecture from the flags, else from the file's metadata (see `SafetensorsImport`).
    func importSafetensors() throws -> SafetensorsImport.Summary {
        if generator == nil && !generatorOverrides.isEmpty {
            throw ValidationError("--g needs --generator (the preset whose config it changes)")
        }
        var overrides = ConfigOverrides()
        overrides.apply(generatorOverrides)
        let architecture = try generator.map { try SafetensorsImport.architecture(generator: $0, overrides: overrides) }
        return try SafetensorsImport.convert(input: file, output: output, architecture: architecture, storage: storage,
                                             level: level, force: force)
    }

    /// --generator and --g describe a safetensors input; a .pzck file names its own architecture.
    func checkArchitectureFlags() throws {
        if generator != nil || !generatorOverrides.isEmpty {
            throw ValidationError("--generator and --g apply to safetensors input; \(file) is a .pzck checkpoint, which names its own architecture")
        }
    }
}
