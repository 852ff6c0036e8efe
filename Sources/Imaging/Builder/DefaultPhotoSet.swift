import Foundation

/// The default photo set: photographs shipped by Debian packages that `scripts/bootstrap` installs,
/// so a fresh machine can build a training set with no network access at run time.
///
/// - Training: the JPEGs `lomiri-wallpapers-16.04` installs directly in /usr/share/backgrounds
///   (CC-BY-4.0 / CC-BY-SA-4.0 / CC0-1.0; one rendered colour gradient that is not a photo is
///   left out) and the `nature/` photos of `mate-backgrounds` (GPL-2+).
/// - Validation (held out): the five photos of `palapeli-data` in /usr/share/palapeli/collection
///   (public domain / GNU FDL).
///
/// Files are taken from `dpkg -L <package>`, not from a glob, so stray files are never picked up.
public enum DefaultPhotoSet {
    public struct Source: Sendable {
        public var package: String
        /// Files must lie directly in this folder.
        public var folder: String
        public var license: String
    }

    public static let training: [Source] = [
        Source(package: "lomiri-wallpapers-16.04", folder: "/usr/share/backgrounds",
               license: "CC-BY-4.0, CC-BY-SA-4.0, CC0-1.0 (per file; /usr/share/doc/lomiri-wallpapers-16.04/copyright)"),
        Source(package: "mate-backgrounds", folder: "/usr/share/backgrounds/mate/nature",
               license: "GPL-2+ (/usr/share/doc/mate-backgrounds/copyright)"),
    ]

    public static let validation: [Source] = [
        Source(package: "palapeli-data", folder: "/usr/share/palapeli/collection",
               license: "public domain and GNU FDL (per photo; the .desktop files next to them)"),
    ]

    /// Files that the packages list but that are not photographs.
    public static let excludedFiles: Set<String> = [
        "umang_by_Abhishek_Mudgal.jpg",          // a rendered colour gradient
    ]

    public static let installHint = "install the default photos with scripts/bootstrap, or: apt-get install --no-install-recommends lomiri-wallpapers-16.04 mate-backgrounds palapeli-data"

    /// The training and validation photo paths, sorted.
    /// - Throws: `ImagingError.noImages` when a package is missing or lists no photos.
    public static func locate() throws -> (train: [String], val: [String]) {
        (try files(training), try files(validation))
    }

    /// True when every package is installed and lists its photos.
    public static var isInstalled: Bool {
        (try? locate()).map { !$0.train.isEmpty && !$0.val.isEmpty } ?? false
    }

    static func files(_ sources: [Source]) throws -> [String] {
        var result: [String] = []
        for source in sources {
            let listed = try packageFiles(source.package)
            let photos = listed.filter { path in
                let url = URL(fileURLWithPath: path)
                return url.deletingLastPathComponent().path == source.folder
                    && ["jpg", "jpeg"].contains(url.pathExtension.lowercased())
                    && !excludedFiles.contains(url.lastPathComponent)
                    && FileIO.exists(path) && !FileIO.isDirectory(path)
            }
            guard !photos.isEmpty else {
                throw ImagingError.noImages(path: source.folder, hint: "package \(source.package) lists no photos there; \(installHint)")
            }
            result += photos
        }
        return result.sorted()
    }

    /// `dpkg -L package`, one path per line.
    static func packageFiles(_ package: String) throws -> [String] {
        let candidates = ["/usr/bin/dpkg", "/bin/dpkg"]
        guard let dpkg = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ImagingError.noImages(path: package, hint: "dpkg is not available, so the Debian photo packages cannot be listed; use --source DIR instead")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: dpkg)
        process.arguments = ["-L", package]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        do { try process.run() } catch {
            throw ImagingError.noImages(path: package, hint: "cannot run dpkg: \(error.localizedDescription)")
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ImagingError.noImages(path: package, hint: "package \(package) is not installed; \(installHint)")
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
