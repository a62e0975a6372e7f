/// A pickled list; a class so that APPENDS after memoization changes the one list every reference sees.
final class PickleList {
    var items: [PickleValue] = []
    init(_ items: [PickleValue] = []) { self.items = items }
}

/// A pickled dict (or OrderedDict), insertion-ordered like Python's; a class for the same reason as `PickleList`.
final class PickleDict {
    private(set) var keys: [PickleValue] = []
    private(set) var values: [PickleValue] = []
    private var stringIndex: [String: Int] = [:]

    func set(_ key: PickleValue, _ value: PickleValue) {
        if case .string(let s) = key {
            if let i = stringIndex[s] { values[i] = value; return }
            stringIndex[s] = keys.count
        }
        keys.append(key)
        values.append(value)
    }

    subscript(key: String) -> PickleValue? { stringIndex[key].map { values[$0] } }
    var pairs: Zip2Sequence<[PickleValue], [PickleValue]> { zip(keys, values) }
}

/// A value on the pickle machine's stack. Globals stay symbolic: nothing from the file is ever executed.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer wider than 64 bits, as LONG1/LONG4 little-endian two's complement bytes (the legacy magic number).
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list(PickleList)
    case dict(PickleDict)
    case global(module: String, name: String)
    /// Checkpoint-reader values, made by its hooks from globals and persistent ids.
    case storage(StorageRef)
    case tensor(TensorSpec)
    case dtype(DType)

    var kind: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global(let m, let n): return "\(m).\(n)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        case .dtype: return "dtype"
        }
    }
}

/// A storage (flat buffer) inside a checkpoint, named by its key; its bytes are found later, by the format.
struct StorageRef {
    let key: String
    let dtype: DType
}

/// A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage, materialized once storages are known.
struct TensorSpec {
    let storage: StorageRef
    let offset: Int
    let shape: [Int]
    let stride: [Int]
}

/// What the machine asks its owner; the owner decides what each global means, and refuses the rest.
struct PickleHooks {
    /// GLOBAL / STACK_GLOBAL: the value standing for `module.name`, or an `unknownGlobal` error.
    var global: (String, String) throws -> PickleValue
    /// REDUCE and NEWOBJ: apply a callable (as returned by `global`) to arguments.
    var call: (PickleValue, [PickleValue]) throws -> PickleValue
    /// BINPERSID / PERSID.
    var persistentLoad: (PickleValue) throws -> PickleValue
}

/// A minimal unpickler (protocols 2 to 5) for what `torch.save` writes.
enum Pickle {
    /// Runs one pickle starting at `start`, up to STOP. Returns the value and the offset just after STOP,
    /// since the legacy torch format puts several pickles and raw data back to back.
    static func load(_ bytes: [UInt8], from start: Int = 0, end: Int? = nil,
                     hooks: PickleHooks) throws -> (value: PickleValue, end: Int) {
        var cursor = ByteCursor(bytes, at: start, end: end)
        var stack: [PickleValue] = []
        var marks: [Int] = []
        var memo: [Int: PickleValue] = [:]

        func pop() throws -> PickleValue {
            guard let value = stack.popLast() else { throw TensorArchiveError.Cause.malformed("pickle stack underflow") }
            return value
        }
        func popMark() throws -> [PickleValue] {
            guard let mark = marks.popLast(), mark <= stack.count else {
                throw TensorArchiveError.Cause.malformed("pickle MARK missing")
            }
            defer { stack.removeSubrange(mark...) }
            return Array(stack[mark...])
        }
        func top() throws -> PickleValue {
            guard let value = stack.last else { throw TensorArchiveError.Cause.malformed("pickle stack underflow") }
            return value
        }
        func text(_ count: Int) throws -> String {
            String(decoding: bytes[try cursor.take(count, "pickle string")], as: UTF8.self)
        }
        func line() throws -> String {
            var out = [UInt8]()
            while true {
                let b = try cursor.byte("pickle text line")
                if b == 0x0a { break }
                // Module and class names are short; a long "line" is a corrupt file, not worth quoting whole.
                guard out.count < 256 else { throw TensorArchiveError.Cause.malformed("pickle text line too long") }
                out.append(b)
            }
            return String(decoding: out, as: UTF8.self)
        }
        func length(_ width: Int) throws -> Int {
            let n = try cursor.uint(width, "pickle length")
            // A length longer than the data left is a cut file; check before converting to avoid overflow.
            guard n <= UInt64(cursor.remaining) else { throw TensorArchiveError.Cause.truncated("ends inside a pickled value") }
            return Int(n)
        }
        func setItems(_ target: PickleValue, _ items: [PickleValue]) throws {
            guard case .dict(let dict) = target, items.count % 2 == 0 else {
                throw TensorArchiveError.Cause.malformed("pickle SETITEMS on a \(target.kind)")
            }
            for i in stride(from: 0, to: items.count, by: 2) { dict.set(items[i], items[i + 1]) }
        }
        func append(_ target: PickleValue, _ items: [PickleValue]) throws {
            guard case .list(let list) = target else {
                throw TensorArchiveError.Cause.malformed("pickle APPEND on a \(target.kind)")
            }
            list.items += items
        }

        while true {
            let op = try cursor.byte("pickle")
            switch op {
            case 0x80:  // PROTO
                let version = try cursor.byte("pickle")
                guard version <= 5 else { throw TensorArchiveError.Cause.malformed("pickle protocol \(version)") }
            case 0x95: _ = try cursor.take(8, "pickle frame")  // FRAME: a length hint only
            case 0x2e:  // STOP
                return (try pop(), cursor.position)
            case 0x28: marks.append(stack.count)  // MARK
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x32: stack.append(try top())  // DUP
            case 0x4e: stack.append(.none)  // NONE
            case 0x88: stack.append(.bool(true))  // NEWTRUE
            case 0x89: stack.append(.bool(false))  // NEWFALSE
            case 0x4a: stack.append(.int(Int(Int32(truncatingIfNeeded: try cursor.uint(4, "pickle int")))))  // BININT
            case 0x4b: stack.append(.int(Int(try cursor.byte("pickle int"))))  // BININT1
            case 0x4d: stack.append(.int(Int(try cursor.uint(2, "pickle int"))))  // BININT2
            case 0x8a, 0x8b:  // LONG1, LONG4
                let n = try length(op == 0x8a ? 1 : 4)
                let raw = Array(bytes[try cursor.take(n, "pickle long")])
                if n == 0 {
                    stack.append(.int(0))
                } else if n <= 8 {
                    var value: UInt64 = raw.last! & 0x80 != 0 ? ~0 : 0  // sign-extend
                    for b in raw.reversed() { value = value << 8 | UInt64(b) }
                    stack.append(.int(Int(Int64(bitPattern: value))))
                } else {
                    stack.append(.bigInt(raw))
                }
            case 0x47:  // BINFLOAT: big-endian double
                stack.append(.float(Double(bitPattern: try cursor.uint(8, "pickle float").byteSwapped)))
            case 0x8c: stack.append(.string(try text(try length(1))))  // SHORT_BINUNICODE
            case 0x58: stack.append(.string(try text(try length(4))))  // BINUNICODE
            case 0x8d: stack.append(.string(try text(try length(8))))  // BINUNICODE8
            case 0x55: stack.append(.string(try text(try length(1))))  // SHORT_BINSTRING (Python 2 str)
            case 0x54: stack.append(.string(try text(try length(4))))  // BINSTRING
            case 0x43: stack.append(.bytes(Array(bytes[try cursor.take(try length(1), "pickle bytes")])))  // SHORT_BINBYTES
            case 0x42: stack.append(.bytes(Array(bytes[try cursor.take(try length(4), "pickle bytes")])))  // BINBYTES
            case 0x8e: stack.append(.bytes(Array(bytes[try cursor.take(try length(8), "pickle bytes")])))  // BINBYTES8
            case 0x29: stack.append(.tuple([]))  // EMPTY_TUPLE
            case 0x74: stack.append(.tuple(try popMark()))  // TUPLE
            case 0x85: stack.append(.tuple([try pop()]))  // TUPLE1
            case 0x86:  // TUPLE2
                let b = try pop(), a = try pop()
                stack.append(.tuple([a, b]))
            case 0x87:  // TUPLE3
                let c = try pop(), b = try pop(), a = try pop()
                stack.append(.tuple([a, b, c]))
            case 0x5d: stack.append(.list(PickleList()))  // EMPTY_LIST
            case 0x6c: stack.append(.list(PickleList(try popMark())))  // LIST
            case 0x61:  // APPEND
                let item = try pop()
                try append(try top(), [item])
            case 0x65:  // APPENDS
                let items = try popMark()
                try append(try top(), items)
            case 0x7d: stack.append(.dict(PickleDict()))  // EMPTY_DICT
            case 0x64:  // DICT
                let dict = PickleValue.dict(PickleDict())
                try setItems(dict, try popMark())
                stack.append(dict)
            case 0x73:  // SETITEM
                let value = try pop(), key = try pop()
                try setItems(try top(), [key, value])
            case 0x75:  // SETITEMS
                let items = try popMark()
                try setItems(try top(), items)
            case 0x63:  // GLOBAL
                let module = try line(), name = try line()
                stack.append(try hooks.global(module, name))
            case 0x93:  // STACK_GLOBAL
                let name = try pop(), module = try pop()
                guard case .string(let m) = module, case .string(let n) = name else {
                    throw TensorArchiveError.Cause.malformed("pickle STACK_GLOBAL without strings")
                }
                stack.append(try hooks.global(m, n))
            case 0x52, 0x81:  // REDUCE, NEWOBJ: both are callable + argument tuple
                let args = try pop(), callable = try pop()
                guard case .tuple(let items) = args else {
                    throw TensorArchiveError.Cause.malformed("pickle call of \(callable.kind) without an argument tuple")
                }
                stack.append(try hooks.call(callable, items))
            case 0x62:  // BUILD: sets an object's state. The only objects here are dicts (OrderedDict's
                // `_metadata` attribute) and tensors (extra state); neither state matters, so drop it.
                _ = try pop()
                _ = try top()
            case 0x71: memo[Int(try cursor.byte("pickle memo"))] = try top()  // BINPUT
            case 0x72: memo[Int(try cursor.uint(4, "pickle memo"))] = try top()  // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()  // MEMOIZE
            case 0x68, 0x6a:  // BINGET, LONG_BINGET
                let key = Int(op == 0x68 ? UInt64(try cursor.byte("pickle memo")) : try cursor.uint(4, "pickle memo"))
                guard let value = memo[key] else { throw TensorArchiveError.Cause.malformed("pickle memo \(key) unset") }
                stack.append(value)
            case 0x51: stack.append(try hooks.persistentLoad(try pop()))  // BINPERSID
            case 0x50: stack.append(try hooks.persistentLoad(.string(try line())))  // PERSID
            default:
                throw TensorArchiveError.Cause.malformed("unsupported pickle opcode 0x\(String(op, radix: 16))")
            }
        }
    }
}
