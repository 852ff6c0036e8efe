import Foundation
import NN
@testable import Pix2Pix
import Testing

@Suite("Config overrides")
struct ConfigOverridesTests {
    let registry = Registry.shared

    func unetConfig(_ overrides: ConfigOverrides, name: String = "unet_256") throws -> UNetConfig {
        try JSONDecoder().decode(UNetConfig.self, from: registry.generator(named: name).config(overrides: overrides))
    }

    @Test("overrides merge onto the preset's config; no overrides give the configs checkpoints already hold")
    func merge() throws {
        #expect(try unetConfig(["ngf": 32, "norm": "instance", "dropout": false])
                == UNetConfig(depth: 8, ngf: 32, norm: .instance, dropout: false))
        #expect(try unetConfig(["depth": 6, "input_channels": 1], name: "encoder_decoder_128") == UNetConfig(depth: 6, inputChannels: 1))
        // Canonical JSON, byte for byte what the registry wrote before overrides existed.
        let unet = try registry.generator(named: "unet_256").config()
        #expect(String(decoding: unet, as: UTF8.self)
                == #"{"depth":8,"dropout":true,"input_channels":3,"ngf":64,"norm":"batch","output_channels":3}"#)
        let patch = try registry.discriminator(named: "patchgan_70").config(overrides: ["ndf": 32], inputChannels: 4)
        #expect(String(decoding: patch, as: UTF8.self) == #"{"input_channels":4,"layers":3,"ndf":32,"norm":"batch"}"#)
        #expect(try registry.discriminator(named: "pixelgan").configKeys() == ["input_channels", "ndf", "norm"])
    }

    @Test("an unknown key fails naming the entry and listing the config's keys")
    func unknownKey() throws {
        let unetKeys = ["depth", "dropout", "input_channels", "ngf", "norm", "output_channels"]
        #expect(throws: RegistryError.unknownConfigKey(entry: "unet_256", key: "n_blocks", known: unetKeys)) {
            _ = try registry.generator(named: "unet_256").config(overrides: ["ngf": 32, "n_blocks": 9])
        }
        #expect {
            _ = try registry.discriminator(named: "patchgan_70").config(overrides: ["ngf": 32])
        } throws: { error in
            let text = "\(error)"
            return text.contains("patchgan_70 has no config key 'ngf'") && text.contains("did you mean 'ndf'")
                && text.contains("input_channels, layers, ndf, norm")
        }
        // Through the model, as the trainer builds it.
        #expect(throws: RegistryError.unknownConfigKey(entry: "pixelgan", key: "layers", known: ["input_channels", "ndf", "norm"])) {
            _ = try Pix2PixModel(generator: "unet_64", discriminator: "pixelgan", discriminatorOverrides: ["layers": 2])
        }
    }

    @Test("a value of the wrong type fails on decode, naming the key")
    func typeMismatch() throws {
        let cases: [(ConfigOverrides, String, String)] = [
            (["ngf": "wide"], "ngf", #"expects an integer, got the string "wide""#),
            (["dropout": 1], "dropout", "expects true or false, got the integer 1"),
            (["depth": 2.5], "depth", "got the number 2.5"),
            (["ngf": 16, "depth": 2.5], "depth", "got the number 2.5"),
            (["norm": "group"], "norm", "group"),
            (["norm": 3], "norm", "expects a string"),
        ]
        for (overrides, key, fragment) in cases {
            #expect {
                _ = try registry.generator(named: "unet_64").config(overrides: overrides)
            } throws: { error in
                guard case RegistryError.invalidOverride("unet_64", let k, let message) = error else { return false }
                return k == key && message.contains(fragment)
            }
        }
        // Values the network refuses are caught when it is built, naming the setting.
        #expect { _ = try Pix2PixModel(generator: "unet_64", discriminator: "pixelgan", generatorOverrides: ["depth": 1]) }
            throws: { "\($0)".contains("depth must be in 2…12") }
    }

    @Test("D's input channels are derived from G's: an override of them is refused")
    func derivedChannels() throws {
        #expect {
            _ = try registry.discriminator(named: "patchgan_70").config(overrides: ["input_channels": 4], inputChannels: 6)
        } throws: { error in
            guard case RegistryError.invalidOverride("patchgan_70", "input_channels", let message) = error else { return false }
            return message.contains("derived")
        }
        var o = TrainingOptions()
        o.generator = "unet_64"
        o.applyArchitectureFlags(ngf: 2, ndf: 2)
        let gray = try o.makeModel(channelsA: 1, channelsB: 3)
        #expect(gray.generator.channels == ChannelSpec(inputChannels: 1, outputChannels: 3))
        #expect(gray.discriminator.inputChannels == 4)
        o.objective = .l1Gan
        #expect(try o.makeModel(channelsA: 1, channelsB: 3).discriminator.inputChannels == 3)
        // Channels the options fix win over the data's.
        o.generatorOverrides["input_channels"] = 3
        #expect(try o.makeModel(channelsA: 1, channelsB: 3).generator.channels.inputChannels == 3)
    }

    @Test("command-line values read as integers, numbers, booleans, JSON strings, else text")
    func parsing() throws {
        let expected: [(String, ConfigValue)] = [
            ("32", .int(32)), ("-1", .int(-1)), ("0.5", .double(0.5)), ("1e3", .double(1000)), ("true", .bool(true)),
            ("false", .bool(false)), ("instance", .string("instance")), (#""64""#, .string("64")), ("", .string("")),
            ("nan", .string("nan")), (#""a b""#, .string("a b")),
        ]
        for (text, value) in expected {
            #expect(ConfigValue(parsing: text) == value, "\(text)")
            #expect(ConfigValue(parsing: value.description) == value, "\(text) round-trips through its description")
        }
        #expect(ConfigAssignment(parsing: "ngf=32") == ConfigAssignment(key: "ngf", value: 32))
        #expect(ConfigAssignment(parsing: "tag=a=b") == ConfigAssignment(key: "tag", value: "a=b"))
        for bad in ["ngf", "=32", "n gf=1", "ngf:32"] { #expect(ConfigAssignment(parsing: bad) == nil, "\(bad)") }
        var o: ConfigOverrides = ["ngf": 32]
        o.apply([ConfigAssignment(key: "ngf", value: 48), ConfigAssignment(key: "norm", value: "none")])
        #expect(o == ["norm": "none", "ngf": 48] && o.keys == ["ngf", "norm"])
        #expect(o.filling(["ngf": 1, "depth": 5]) == ["ngf": 48, "norm": "none", "depth": 5])
    }

    @Test("TrainingOptions store overrides in config.json and read them back")
    func roundTrip() throws {
        var o = TrainingOptions()
        o.applyArchitectureFlags(ngf: 32, ndf: 16, norm: .instance, dropout: false)
        o.generatorOverrides["input_channels"] = 1
        o.steps = 7
        let data = try JSONEncoder().encode(o)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((json["generatorOverrides"] as? [String: Any])?["ngf"] as? Int == 32)
        #expect(json["ngf"] == nil && json["dropout"] == nil)
        #expect(try JSONDecoder().decode(TrainingOptions.self, from: data) == o)
        #expect(try JSONDecoder().decode(TrainingOptions.self, from: JSONEncoder().encode(TrainingOptions())) == TrainingOptions())
        // Every stored property has a coding key (and so a line in the hand-written decoder).
        let properties = Set(Mirror(reflecting: TrainingOptions()).children.compactMap(\.label))
        #expect(properties == Set(TrainingOptions.CodingKeys.allCases.map(\.stringValue)))
        // validate() still names the flag for a width below 1.
        var narrow = TrainingOptions()
        narrow.applyArchitectureFlags(ngf: 0)
        #expect(throws: TrainingError.invalidOption(option: "--ngf", message: "must be ≥ 1, got 0")) { try narrow.validate() }
    }

    @Test("config.json written before overrides existed decodes into overrides")
    func legacyConfig() throws {
        // As the previous TrainingOptions wrote it (its synthesized Codable, camelCase keys).
        let legacy = """
        {"batchSize":1,"beta1":0.5,"checkpointCompression":1,"checkpointEvery":500,"cropSize":64,"direction":"AtoB",
         "discriminator":"patchgan_16","dropout":false,"epochSnapshots":false,"epochs":4,"epochsDecay":4,"flip":true,
         "ganMode":"vanilla","generator":"unet_64","inputChannels":1,"lambdaL1":100,"learningRate":0.0002,"loadSize":71,
         "logEvery":10,"lrDecayEpochs":50,"lrPolicy":"linear","ndf":32,"ngf":16,"norm":"instance","objective":"l1+cgan",
         "sampleEvery":500,"seed":1,"steps":40}
        """
        let o = try JSONDecoder().decode(TrainingOptions.self, from: Data(legacy.utf8))
        #expect(o.generatorOverrides == ["ngf": 16, "norm": "instance", "dropout": false, "input_channels": 1])
        #expect(o.discriminatorOverrides == ["ndf": 32, "norm": "instance"])
        #expect(o.generator == "unet_64" && o.discriminator == "patchgan_16" && o.steps == 40 && o.epochs == 4 && o.seed == 1)
        // The model it builds is the one the old options built.
        let model = try o.makeModel(channelsA: 3, channelsB: 3)
        #expect(String(decoding: model.generatorConfig, as: UTF8.self)
                == #"{"depth":6,"dropout":false,"input_channels":1,"ngf":16,"norm":"instance","output_channels":3}"#)

        // The defaults as written before: `dropout: true`, no other model field → no overrides.
        var defaults = try JSONSerialization.jsonObject(with: JSONEncoder().encode(TrainingOptions())) as! [String: Any]
        defaults.removeValue(forKey: "generatorOverrides")
        defaults.removeValue(forKey: "discriminatorOverrides")
        defaults["dropout"] = true
        #expect(try JSONDecoder().decode(TrainingOptions.self, from: JSONSerialization.data(withJSONObject: defaults)) == TrainingOptions())
    }
}
