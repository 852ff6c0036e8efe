import Base
import Foundation

/// The default photo set: photographs shipped by Debian packages that `scripts/bootstrap` provides,
/// so a fresh machine builds training sets with no network access at run time.
///
/// Every photo is listed by name in ``photos`` with its package, its split, a subject tag and its
/// licence (from the package's copyright file), so stray files are never picked up and a data set
/// names exactly what it was built from. The survey behind the list (Debian 12; photographs only —
/// renders, gradients, clip art and drawings are left out) is in the Datasets article.
///
/// Two collections:
/// - ``Collection/full``: 150 photos from 8 packages, 135 for training and 15 held out (named:
///   every photo whose split is ``Split/heldOut``; disjoint from training by construction).
///   `pix2pix data build --default` and the shipped zoo models use it.
/// - ``Collection/nature``: the small set of `make demo` and the seed experiments — the lomiri
///   16.04 and MATE nature photos for training, the five palapeli photos held out.
///
/// Packages whose dependencies are heavy (a Squeak VM, KDE, pygame) are not installed: bootstrap
/// downloads them with `apt-get download` and unpacks them with `dpkg-deb -x` under
/// ``extractionRoot``; a photo is looked for at its installed path first, then there.
public enum DefaultPhotoSet {
    public enum Split: String, Sendable, Codable { case train, heldOut = "held-out" }

    /// A loose subject tag, for picking photos by category (experiments, samples).
    public enum Subject: String, Sendable, Codable, CaseIterable {
        case animal, building, indoor, landscape, object, people, plant, street, underwater, water
    }

    public enum Collection: String, Sendable, CaseIterable {
        /// All photos (``photos``).
        case full
        /// lomiri-wallpapers-16.04 + mate-backgrounds nature/ → palapeli-data.
        case nature
    }

    public struct Photo: Sendable, Equatable {
        public var package: String
        /// Where the package installs it.
        public var path: String
        public var split: Split
        public var subject: Subject
        public var license: String

        init(_ package: String, _ path: String, _ split: Split, _ subject: Subject, _ license: String) {
            self.package = package
            self.path = path
            self.split = split
            self.subject = subject
            self.license = license
        }

        public var name: String { URL(fileURLWithPath: path).lastPathComponent }
    }

    /// Packages installed with `apt-get install` (no heavy dependencies).
    public static let installedPackages = ["lomiri-wallpapers-16.04", "lomiri-wallpapers-20.04", "mate-backgrounds",
                                           "palapeli-data", "plasma-workspace-wallpapers"]
    /// Packages unpacked under ``extractionRoot`` instead (their dependencies are not needed for photos).
    public static let extractedPackages = ["kphotoalbum", "krank", "scratch"]

    /// Where bootstrap unpacks ``extractedPackages``: `PIX2PIX_PHOTO_ROOT`, else
    /// /usr/local/share/pix2pix/photo-packages (one folder per package, the package's own paths below it).
    public static var extractionRoot: String {
        if let root = ProcessInfo.processInfo.environment["PIX2PIX_PHOTO_ROOT"], !root.isEmpty { return root }
        return "/usr/local/share/pix2pix/photo-packages"
    }

    public static let installHint = "install the default photos with scripts/bootstrap (apt-get install \(installedPackages.joined(separator: " ")); apt-get download + dpkg-deb -x for \(extractedPackages.joined(separator: ", ")) under \(extractionRoot))"

    /// The photos of a collection and split, in table order.
    public static func photos(_ collection: Collection, _ split: Split) -> [Photo] {
        switch collection {
        case .full:
            return photos.filter { $0.split == split }
        case .nature:
            switch split {
            case .train: return photos.filter { $0.package == "lomiri-wallpapers-16.04" || $0.package == "mate-backgrounds" }
            case .heldOut: return photos.filter { $0.package == "palapeli-data" }
            }
        }
    }

    /// The training and held-out photo paths of a collection, sorted.
    /// - Throws: `ImagingError.noImages` naming the first missing photo and its package.
    public static func locate(_ collection: Collection = .nature, extractionRoot root: String = extractionRoot) throws -> (train: [String], val: [String]) {
        (try resolve(photos(collection, .train), root: root).sorted(), try resolve(photos(collection, .heldOut), root: root).sorted())
    }

    /// True when every photo of the collection is present.
    public static func isInstalled(_ collection: Collection = .nature) -> Bool {
        (try? locate(collection)) != nil
    }

    public static var isInstalled: Bool { isInstalled(.nature) }

    /// The file of a photo on this machine: its installed path, else under ``extractionRoot``; nil when absent.
    public static func file(of photo: Photo, extractionRoot root: String = extractionRoot) -> String? {
        let candidates = [photo.path, root + "/" + photo.package + photo.path]
        return candidates.first { FileKind.of($0) == .regularFile }
    }

    static func resolve(_ list: [Photo], root: String) throws -> [String] {
        try list.map { photo in
            guard let file = file(of: photo, extractionRoot: root) else {
                throw ImagingError.noImages(path: photo.path, hint: "photo \(photo.name) of package \(photo.package) is missing (looked under \(root) too); \(installHint)")
            }
            return file
        }
    }

    /// One line per package and split: "scratch (CC-BY-SA-3.0 …): 48 train, 5 held out".
    public static func licenceSummary(_ collection: Collection) -> String {
        var order: [String] = []
        var counts: [String: (train: Int, held: Int, licences: [String])] = [:]
        for split in [Split.train, .heldOut] {
            for photo in photos(collection, split) {
                if counts[photo.package] == nil { order.append(photo.package); counts[photo.package] = (0, 0, []) }
                if split == .train { counts[photo.package]!.train += 1 } else { counts[photo.package]!.held += 1 }
                if !counts[photo.package]!.licences.contains(photo.license) { counts[photo.package]!.licences.append(photo.license) }
            }
        }
        return order.map { package in
            let c = counts[package]!
            return "\(package) (\(c.licences.joined(separator: "; "))): \(c.train) train, \(c.held) held out"
        }.joined(separator: "; ")
    }

    /// Every photo of the default set (see the Datasets article for the survey).
    public static let photos: [Photo] = [
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/Bridge_by_Sander_Klootwijk.jpg", .train, .building, "CC-BY-SA-4.0"),
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/Dragonfly_by_Bolly.jpg", .train, .animal, "CC-BY-SA-4.0"),
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/Picture_0B_by_freespace.jpg", .train, .landscape, "CC-BY-4.0"),
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/Picture_1A_by_freespace.jpg", .train, .landscape, "CC-BY-4.0"),
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/Wine_by_Jakkub_Mede.jpg", .train, .object, "CC-BY-4.0"),
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/aitzgorri_by_Aitzol_Berasategi.jpg", .train, .landscape, "CC-BY-4.0"),
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/analogpattern_by_Peter_Nerlich.jpg", .train, .object, "CC-BY-SA-4.0"),
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/free_by_Peter_Nerlich.jpg", .train, .landscape, "CC-BY-SA-4.0"),
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/friends_by_Aitzol_Berasategi.jpg", .train, .animal, "CC-BY-4.0"),
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/greentock_by_Peter_Nerlich.jpg", .train, .plant, "CC-BY-SA-4.0"),
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/life_by_Aitzol_Berasategi.jpg", .train, .plant, "CC-BY-4.0"),
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/picosdeeuropa_by_Aitzol_Berasategi.jpg", .train, .landscape, "CC-BY-4.0"),
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/seeding_by_Clements_Engelhardt.jpg", .train, .plant, "CC0-1.0"),
        Photo("lomiri-wallpapers-16.04", "/usr/share/backgrounds/sunset_by_Aitzol_Berasategi.jpg", .train, .landscape, "CC-BY-4.0"),
        Photo("lomiri-wallpapers-20.04", "/usr/share/backgrounds/Infinite-Sea_by_Aury88.jpg", .train, .landscape, "CC-BY-SA-3.0"),
        Photo("lomiri-wallpapers-20.04", "/usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg", .train, .animal, "CC-BY-SA-3.0"),
        Photo("mate-backgrounds", "/usr/share/backgrounds/mate/nature/Aqua.jpg", .train, .water, "GPL-2+"),
        Photo("mate-backgrounds", "/usr/share/backgrounds/mate/nature/Blinds.jpg", .train, .object, "GPL-2+"),
        Photo("mate-backgrounds", "/usr/share/backgrounds/mate/nature/Dune.jpg", .train, .landscape, "GPL-2+"),
        Photo("mate-backgrounds", "/usr/share/backgrounds/mate/nature/FreshFlower.jpg", .train, .plant, "GPL-2+"),
        Photo("mate-backgrounds", "/usr/share/backgrounds/mate/nature/Garden.jpg", .train, .plant, "GPL-2+"),
        Photo("mate-backgrounds", "/usr/share/backgrounds/mate/nature/GreenMeadow.jpg", .train, .landscape, "GPL-2+"),
        Photo("mate-backgrounds", "/usr/share/backgrounds/mate/nature/LadyBird.jpg", .train, .animal, "GPL-2+"),
        Photo("mate-backgrounds", "/usr/share/backgrounds/mate/nature/RainDrops.jpg", .train, .water, "GPL-2+"),
        Photo("mate-backgrounds", "/usr/share/backgrounds/mate/nature/Storm.jpg", .train, .landscape, "GPL-2+"),
        Photo("mate-backgrounds", "/usr/share/backgrounds/mate/nature/TwoWings.jpg", .train, .animal, "GPL-2+"),
        Photo("mate-backgrounds", "/usr/share/backgrounds/mate/nature/Wood.jpg", .train, .plant, "GPL-2+"),
        Photo("mate-backgrounds", "/usr/share/backgrounds/mate/nature/YellowFlower.jpg", .train, .plant, "GPL-2+"),
        Photo("plasma-workspace-wallpapers", "/usr/share/wallpapers/BytheWater/contents/images/2560x1600.jpg", .train, .water, "GPL-2+"),
        Photo("plasma-workspace-wallpapers", "/usr/share/wallpapers/ColdRipple/contents/images/2560x1600.jpg", .train, .water, "GPL-2+"),
        Photo("plasma-workspace-wallpapers", "/usr/share/wallpapers/ColorfulCups/contents/images/2560x1600.jpg", .train, .object, "GPL-2+"),
        Photo("plasma-workspace-wallpapers", "/usr/share/wallpapers/DarkestHour/contents/images/2560x1600.jpg", .train, .landscape, "GPL-2+"),
        Photo("plasma-workspace-wallpapers", "/usr/share/wallpapers/EveningGlow/contents/images/2560x1600.jpg", .train, .water, "GPL-2+"),
        Photo("plasma-workspace-wallpapers", "/usr/share/wallpapers/FallenLeaf/contents/images/2560x1600.jpg", .train, .plant, "GPL-2+"),
        Photo("plasma-workspace-wallpapers", "/usr/share/wallpapers/Grey/contents/images/2560x1600.jpg", .train, .building, "GPL-2+"),
        Photo("plasma-workspace-wallpapers", "/usr/share/wallpapers/OneStandsOut/contents/images/2560x1600.jpg", .train, .plant, "GPL-2+"),
        Photo("plasma-workspace-wallpapers", "/usr/share/wallpapers/Path/contents/images/2560x1600.jpg", .heldOut, .plant, "GPL-2+"),
        Photo("plasma-workspace-wallpapers", "/usr/share/wallpapers/summer_1am/contents/images/2560x1600.jpg", .train, .landscape, "GPL-2+"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Indoors/clothing-store.jpg", .train, .indoor, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Indoors/hall.jpg", .train, .indoor, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Indoors/kitchen.jpg", .heldOut, .indoor, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Indoors/the-movies-inside.jpg", .train, .indoor, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/beach-malibu.jpg", .train, .water, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/canyon.jpg", .train, .landscape, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/flower-bed.jpg", .heldOut, .plant, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/forest.jpg", .train, .plant, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/garden-rock.jpg", .train, .plant, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/grand-canyon.jpg", .train, .landscape, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/gravel-desert.jpg", .train, .landscape, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/hill.jpg", .train, .landscape, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/lake.jpg", .heldOut, .water, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/moon.jpg", .train, .landscape, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/pathway.jpg", .train, .plant, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/tree.jpg", .train, .plant, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/water-and-rocks.jpg", .train, .water, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Nature/wave.jpg", .train, .water, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/all-sports-mural.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/atom-playground.jpg", .train, .street, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/bench-with-view.jpg", .train, .landscape, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/berkeley-mural.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/boardwalk.jpg", .train, .water, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/brick-wall-and-stairs.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/brick-wall1.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/brick-wall2.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/building-at-mit.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/building-fireproof.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/castle.jpg", .heldOut, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/city-with-water.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/city-with-water2.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/driveway.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/graffiti.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/hallway_outdoors.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/hay_field.jpg", .train, .landscape, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/houses.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/mansion.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/mural-faro.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/parking-ramp.jpg", .train, .street, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/pool.jpg", .train, .water, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/route66.jpg", .train, .street, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/silos.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/the-movies.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/train-tracks1.jpg", .heldOut, .street, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/train-tracks2.jpg", .train, .street, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/village.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Outdoors/wooden-house.jpg", .train, .building, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Sports/baseball-field.jpg", .train, .street, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Sports/basketball-court1-a.jpg", .train, .street, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Sports/basketball-court1-b.jpg", .train, .street, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Sports/football-field.jpg", .train, .street, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Sports/playing-field.jpg", .train, .street, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("scratch", "/usr/share/scratch/Media/Backgrounds/Sports/tennis-backboard.jpg", .train, .street, "CC-BY-SA-3.0 (MIT Media Lab, Scratch 1.4 media)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-01.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-02.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-03.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-04.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-05.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-06.jpg", .heldOut, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-07.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-08.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-09.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-10.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-11.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-12.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-13.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-14.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-15.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-16.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-17.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-18.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-19.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-20.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-21.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-22.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-23.jpg", .heldOut, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-24.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-25.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-26.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-27.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-28.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-29.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/level-30.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("krank", "/usr/share/games/krank/levels/unera-backgrounds/bonus-01.jpg", .train, .underwater, "public domain (Slava Anishenko)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/anne_helene.jpg", .train, .people, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/bar55.jpg", .train, .people, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/bar55_2.jpg", .train, .people, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/blackie.jpg", .heldOut, .animal, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/cold_water.jpg", .train, .water, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/donna.jpg", .train, .people, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/donna_2.jpg", .train, .people, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/grand_canyon_1.jpg", .train, .landscape, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/grand_canyon_2.jpg", .heldOut, .landscape, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/grand_canyon_3.jpg", .train, .landscape, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/jesper.jpg", .train, .people, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/jesper_2.jpg", .train, .people, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/new_wave_1.jpg", .train, .people, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/new_wave_2.jpg", .train, .people, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/pool.jpg", .train, .object, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/pool_2.jpg", .train, .people, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/skagen.jpg", .train, .water, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/skagen_2.jpg", .train, .people, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/snow.jpg", .train, .landscape, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/spiff.jpg", .train, .animal, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/spiff_2.jpg", .train, .animal, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/sunset.jpg", .train, .landscape, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("kphotoalbum", "/usr/share/kphotoalbum/demo/wayne.jpg", .train, .people, "GPL-2+ (KPhotoAlbum demo photos)"),
        Photo("palapeli-data", "/usr/share/palapeli/collection/castle-maintenon.jpg", .heldOut, .building, "public domain or GNU FDL (per photo: its .desktop file)"),
        Photo("palapeli-data", "/usr/share/palapeli/collection/cincinnati-bridge.jpg", .heldOut, .building, "public domain or GNU FDL (per photo: its .desktop file)"),
        Photo("palapeli-data", "/usr/share/palapeli/collection/citrus-fruits.jpg", .heldOut, .object, "public domain or GNU FDL (per photo: its .desktop file)"),
        Photo("palapeli-data", "/usr/share/palapeli/collection/european-honey-bee.jpg", .heldOut, .animal, "public domain or GNU FDL (per photo: its .desktop file)"),
        Photo("palapeli-data", "/usr/share/palapeli/collection/panther-chameleon-female.jpg", .heldOut, .animal, "public domain or GNU FDL (per photo: its .desktop file)"),
    ]
}
