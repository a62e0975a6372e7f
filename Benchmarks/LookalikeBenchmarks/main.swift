// Run: bash Benchmarks/run.sh (hashing, beside imagehash), or directly, release build:
//   swift run -c release LookalikeBenchmarks hash FOLDER [--jobs N]
//   swift run -c release LookalikeBenchmarks hamming [--codes N] [--radius R]
//   swift run -c release LookalikeBenchmarks cosine [--vectors N] [--dim D] [--k K]
//   bash Benchmarks/allpairs.sh (all-pairs top-10 of 137,280 x 4096 beside FAISS and scikit-learn)
//   swift run -c release LookalikeBenchmarks colour FOLDER [--count N] [--rounds R]
//   swift run -c release LookalikeBenchmarks orb [--rounds R]
//   swift run -c release LookalikeBenchmarks neardup SET/labels.csv > pairs.tsv (every near-duplicate candidate pair's figures)
//   bash Benchmarks/effnet.sh (EfficientNet-Lite beside PyTorch and ONNX Runtime)
//   bash Benchmarks/vgg16.sh (VGG16 to fc1 beside PyTorch and ONNX Runtime)
//   swift run -c release LookalikeBenchmarks train [--size S] [--batch B] [--steps N] [--threads T]
//   swift run -c release LookalikeBenchmarks learned [LABELS.csv ...] [--seeds N] (learned embeddings, product-disjoint folds)
import Foundation

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "hash": hashBenchmark(arguments.dropFirst())
case "hamming": hammingBenchmark(arguments.dropFirst())
case "graph": graphBenchmark(arguments.dropFirst())
case "resnet": resnetBenchmark(arguments.dropFirst())
case "effnet": effnetBenchmark(arguments.dropFirst())
case "cosine": cosineBenchmark(arguments.dropFirst())
case "allpairs": allPairsBenchmark(arguments.dropFirst())
case "vgg16": vgg16Benchmark(arguments.dropFirst())
case "orbrerank": orbRerankBenchmark(arguments.dropFirst())
case "colour": colourBenchmark(arguments.dropFirst())
case "orb": orbBenchmark(arguments.dropFirst())
case "neardup": nearDuplicateDiagnosis(arguments.dropFirst())
case "train": trainBenchmark(arguments.dropFirst())
case "learned": learnedBenchmark(arguments.dropFirst())
default:
    FileHandle.standardError.write("usage: LookalikeBenchmarks hash|hamming|graph|resnet|effnet|vgg16|cosine|allpairs|colour|orb|neardup|train|learned ...\n".data(using: .utf8)!)
    exit(64)
}
