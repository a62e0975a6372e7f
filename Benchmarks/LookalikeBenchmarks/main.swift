import Lookalike
import Foundation
let path = CommandLine.arguments[1]
let d = ImageDecoder()
let o = try! d.decode(path: path).get()
let s = ImageSample(path: path, decoded: o.image, applyOrientation: false)
FileManager.default.createFile(atPath: "/tmp/l.raw", contents: Data(s.luminance.pixels))
let t = LanczosResampler.resize(s.luminance, width: 8, height: 8)
FileManager.default.createFile(atPath: "/tmp/t.raw", contents: Data(t.pixels))
