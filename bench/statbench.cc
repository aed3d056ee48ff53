// weft-statbench: stat(2) throughput and latency of one path from N threads.
//
// Used by bench/ to compare weft with its peers (tmpfs, ext4, FUSE) in the
// same VM run.  Prints one JSON document:
//   {"threads":N,"ops":..,"seconds":..,"ops_per_sec":..,"p50_us":..,"p99_us":..,"errors":..}
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
	std::string path;
	unsigned threads = 1;
	double seconds = 2.0;
};

bool ParseOptions(int argc, char** argv, Options* opts)
{
	for (int i = 1; i + 1 < argc; i += 2) {
		std::string key = argv[i];
		const char* value = argv[i + 1];
		if (key == "--path") {
			opts->path = value;
		} else if (key == "--threads") {
			opts->threads = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
		} else if (key == "--seconds") {
			opts->seconds = std::strtod(value, nullptr);
		} else {
			std::fprintf(stderr, "weft-statbench: unknown option '%s'\n", key.c_str());
			return false;
		}
	}
	if (argc % 2 == 0 || opts->path.empty() || opts->threads == 0 || opts->seconds <= 0) {
		std::fprintf(stderr, "usage: weft-statbench --path P [--threads N] [--seconds S]\n");
		return false;
	}
	return true;
}

// One thread's samples, in nanoseconds.
struct Samples {
	std::vector<uint32_t> latency_ns;
	uint64_t errors = 0;
};

void StatLoop(const std::string& path, const std::atomic<bool>& stop, Samples* out)
{
	out->latency_ns.reserve(1 << 20);
	struct stat st;
	while (!stop.load(std::memory_order_relaxed)) {
		auto t0 = Clock::now();
		int rc = ::stat(path.c_str(), &st);
		auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
		if (rc != 0)
			out->errors++;
		out->latency_ns.push_back(static_cast<uint32_t>(std::min<int64_t>(ns, UINT32_MAX)));
	}
}

double PercentileUs(std::vector<uint32_t>& all, double p)
{
	if (all.empty())
		return 0;
	size_t idx = std::min(all.size() - 1, static_cast<size_t>(p * all.size()));
	std::nth_element(all.begin(), all.begin() + idx, all.end());
	return all[idx] / 1000.0;
}

}  // namespace

int main(int argc, char** argv)
{
	Options opts;
	if (!ParseOptions(argc, argv, &opts))
		return 2;
	struct stat st;
	if (::stat(opts.path.c_str(), &st) != 0) {
		std::fprintf(stderr, "weft-statbench: cannot stat '%s': %s\n", opts.path.c_str(),
			     std::strerror(errno));
		return 1;
	}

	std::atomic<bool> stop{false};
	std::vector<Samples> samples(opts.threads);
	std::vector<std::thread> threads;
	auto start = Clock::now();
	for (unsigned i = 0; i < opts.threads; i++)
		threads.emplace_back(StatLoop, std::cref(opts.path), std::cref(stop), &samples[i]);
	std::this_thread::sleep_for(std::chrono::duration<double>(opts.seconds));
	stop = true;
	for (auto& t : threads)
		t.join();
	double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

	std::vector<uint32_t> all;
	uint64_t errors = 0;
	for (auto& s : samples) {
		all.insert(all.end(), s.latency_ns.begin(), s.latency_ns.end());
		errors += s.errors;
	}
	nlohmann::json result = {
		{"threads", opts.threads},
		{"ops", all.size()},
		{"seconds", elapsed},
		{"ops_per_sec", all.size() / elapsed},
		{"p50_us", PercentileUs(all, 0.50)},
		{"p99_us", PercentileUs(all, 0.99)},
		{"errors", errors},
	};
	std::printf("%s\n", result.dump().c_str());
	return errors ? 1 : 0;
}
