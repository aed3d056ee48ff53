// weft-engine-bench: the storage engine alone (ChunkStore::write/read, the
// calls the ring handlers make), on drive files or devices, without the
// kernel.  Compared against fio on the same drive by run.sh.
//
//   weft-engine-bench --dir D --drives PATH[,PATH..] [--replicas R]
//       [--size BYTES] [--seconds S] [--workload W[,W..]] [--threads N]
// N threads each issue one request at a time (queue depth N); seqwrite, which
// fills the space for the reads, always runs on one thread.
//   W: seqwrite (1 MiB), seqread (1 MiB), randwrite (4 KiB), randread (4 KiB),
//      checksum (crc32c of 1 MiB in 4 KiB blocks, no I/O: the CPU every
//      read spends verifying and every write computing)
// Prints one JSON line per workload: {"workload","ops","seconds","mib_per_sec","iops",
// "cpu_us_per_op"} (the process's CPU time per operation: on a shared host a
// steadier figure than the rates).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <sstream>
#include <thread>
#include <string>
#include <vector>

#include "storage/chunk_store.h"
#include "storage/crc32c.h"

namespace {

using Clock = std::chrono::steady_clock;
using weft::storage::ChunkStore;

struct Options {
	std::string dir;
	std::vector<std::string> drives;
	uint32_t replicas = 1;
	uint64_t size = 1ull << 30;  // bytes of chunk space exercised
	double seconds = 5;
	unsigned threads = 1;
	std::vector<std::string> workloads = {"seqwrite", "seqread", "randwrite", "randread"};
};

bool parse(int argc, char **argv, Options &o)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string k = argv[i], v = argv[i + 1];
		if (k == "--dir") {
			o.dir = v;
		} else if (k == "--drives") {
			std::stringstream ss(v);
			for (std::string p; std::getline(ss, p, ',');)
				o.drives.push_back(p);
		} else if (k == "--replicas") {
			o.replicas = static_cast<uint32_t>(std::stoul(v));
		} else if (k == "--size") {
			o.size = std::stoull(v);
		} else if (k == "--seconds") {
			o.seconds = std::stod(v);
		} else if (k == "--threads") {
			o.threads = static_cast<unsigned>(std::stoul(v));
		} else if (k == "--workload") {
			// W[,W..]: these, in this order (reads need a seqwrite first
			// to have data to read: a never-written chunk reads as zeros
			// without I/O).
			o.workloads.clear();
			std::stringstream ss(v);
			for (std::string w; std::getline(ss, w, ',');)
				o.workloads.push_back(w);
		} else {
			return false;
		}
	}
	return argc % 2 == 1 && !o.dir.empty() && !o.drives.empty() && o.threads > 0;
}

struct Outcome {
	uint64_t ops = 0;
	double seconds = 0;
	double cpu_seconds = 0;  // the whole process's CPU time (user + system)
};

double process_cpu_seconds()
{
	timespec ts{};
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// Runs op(i, rng) on `threads` threads until `seconds` pass or
// max_ops (in total) are done.
template <typename Op>
Outcome timed(unsigned threads, double seconds, uint64_t max_ops, Op op)
{
	std::atomic<uint64_t> next{0}, done{0};
	std::atomic<bool> failed{false};
	auto start = Clock::now();
	double cpu_start = process_cpu_seconds();
	auto stop = start + std::chrono::duration<double>(seconds);
	std::vector<std::thread> pool;
	for (unsigned t = 0; t < threads; t++) {
		pool.emplace_back([&, t] {
			std::mt19937_64 rng(t + 1);
			for (;;) {
				uint64_t i = next++;
				if (i >= max_ops || Clock::now() >= stop || failed)
					break;
				if (!op(i, rng))
					failed = true;
				else
					done++;
			}
		});
	}
	for (auto &th : pool)
		th.join();
	if (failed)
		std::exit(1);
	Outcome out;
	out.ops = done;
	out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
	out.cpu_seconds = process_cpu_seconds() - cpu_start;
	return out;
}

}  // namespace

int main(int argc, char **argv)
{
	Options o;
	if (!parse(argc, argv, o)) {
		std::fprintf(stderr, "usage: weft-engine-bench --dir D --drives P[,P..] [--replicas R] "
				     "[--size BYTES] [--seconds S] [--workload W[,W..]] [--threads N]\n");
		return 2;
	}
	weft::storage::StoreOptions so;
	so.meta_dir = o.dir + "/meta";
	so.cluster = weft::storage::Uuid::generate();
	so.replicas = o.replicas;
	so.buffers = std::max(16u, 2 * o.threads);
	auto store = ChunkStore::open(so);
	if (!store) {
		std::fprintf(stderr, "open: %s\n", store.error().message.c_str());
		return 1;
	}
	uint32_t host = 0;
	for (const std::string &p : o.drives) {
		auto id = (*store)->add_drive(p, host++, true, true);
		if (!id) {
			std::fprintf(stderr, "add %s: %s\n", p.c_str(), id.error().message.c_str());
			return 1;
		}
	}
	ChunkStore &s = **store;
	const size_t chunk = size_t{s.chunk_blocks()} * s.block_size();
	const uint64_t chunks = o.size / chunk, blocks = chunks * s.chunk_blocks();
	std::vector<std::byte> big(chunk), small(4096);
	std::mt19937_64 rng(1);
	for (auto &b : big)
		b = static_cast<std::byte>(rng());
	std::memcpy(small.data(), big.data(), small.size());

	auto check = [](const weft::Status &st) {
		if (!st.ok())
			std::fprintf(stderr, "I/O: %s\n", st.error().message.c_str());
		return st.ok();
	};
	for (const std::string &w : o.workloads) {
		Outcome r;
		size_t bytes = 0;
		if (w == "seqwrite" || w == "seqread") {
			bool write = w == "seqwrite";
			bytes = chunk;
			// seqwrite fills the whole space (reads then hit written blocks).
			r = timed(write ? 1 : o.threads, write ? 1e9 : o.seconds, write ? chunks : UINT64_MAX,
				  [&](uint64_t i, std::mt19937_64 &) {
					  thread_local std::vector<std::byte> buf(chunk);
					  if (write)
						  return check(s.write(i % chunks, 0, big));
					  return check(s.read(i % chunks, 0, buf));
				  });
		} else if (w == "randwrite" || w == "randread") {
			bool write = w == "randwrite";
			bytes = small.size();
			r = timed(o.threads, o.seconds, UINT64_MAX, [&](uint64_t, std::mt19937_64 &rng) {
				thread_local std::vector<std::byte> buf(4096);
				uint64_t b = rng() % blocks;
				uint64_t c = b / s.chunk_blocks();
				uint32_t off = static_cast<uint32_t>(b % s.chunk_blocks());
				return check(write ? s.write(c, off, small) : s.read(c, off, buf));
			});
		} else if (w == "checksum") {
			bytes = chunk;
			r = timed(o.threads, o.seconds, UINT64_MAX, [&](uint64_t, std::mt19937_64 &) {
				thread_local std::vector<uint32_t> crcs(chunk / weft::storage::kChecksumBlockSize);
				weft::storage::block_checksums(big, crcs);
				return true;	// a checksum cannot fail
			});
		} else {
			std::fprintf(stderr, "unknown workload %s\n", w.c_str());
			return 2;
		}
		std::printf("{\"workload\":\"%s\",\"threads\":%u,\"replicas\":%u,\"ops\":%llu,\"seconds\":%.3f,"
			    "\"mib_per_sec\":%.1f,\"iops\":%.0f,\"cpu_us_per_op\":%.1f}\n",
			    w.c_str(), w == "seqwrite" ? 1 : o.threads, o.replicas, static_cast<unsigned long long>(r.ops), r.seconds,
			    double(r.ops) * double(bytes) / r.seconds / (1 << 20), double(r.ops) / r.seconds,
			    r.ops ? r.cpu_seconds * 1e6 / double(r.ops) : 0.0);
		std::fflush(stdout);
	}
	return 0;
}
