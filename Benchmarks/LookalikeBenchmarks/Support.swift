import Foundation

/// Moves a per-thread value (a C handle, a closure) across the concurrency checker where the benchmark knows better.
struct UnsafeSendable<T>: @unchecked Sendable { let value: T }

/// Peak resident memory of this process so far, in MiB (Linux VmHWM).
func peakResidentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
    return kb / 1024
}

func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
