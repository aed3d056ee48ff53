// weft-mdbench: metadata operation rates, mdtest-like, in phases.
//
// Used by bench/ to compare weft with its peers (tmpfs, ext4, FUSE) in the
// same VM run.  N files are spread over T threads (thread i owns files
// [i*N/T, (i+1)*N/T)); each thread works in a directory of its own, or with
// --shared all threads in one directory.  The phases run in order, every
// thread starting a phase together (a barrier) and the phase ending when the
// last thread finishes:
//   create   open(O_CREAT|O_EXCL|O_WRONLY) + close of an empty file
//   stat     stat(2) by path
//   open     open(O_RDONLY) + close
//   readdir  every thread lists its directory (getdents64 until the end;
//            with --shared each thread lists the whole shared directory):
//            ops are entries returned, latency is per getdents64 call
//   rename   rename(2) to a new name in the same directory
//   unlink   unlink(2)
// --phase-seconds S stops each thread's phase at S seconds (mdtest's
// "stonewall"): the later phases then work on the files that exist, and the
// phase says "stonewalled":true; ops/s stay exact, the file count shrinks.
// Prints one JSON document:
//   {"tool":"weft-mdbench","path":..,"files":N,"threads":T,"layout":"dir-per-thread"|"shared-dir",
//    "phases":{"create":{"ops":..,"seconds":..,"ops_per_sec":..,"p50_us":..,"p99_us":..,
//                        "errors":..,"first_error":".."},...}}
// and exits 1 when any operation failed (the first failure is in the JSON).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <barrier>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using Clock = std::chrono::steady_clock;

const char* const kPhases[] = {"create", "stat", "open", "readdir", "rename", "unlink"};
constexpr size_t kNumPhases = sizeof(kPhases) / sizeof(kPhases[0]);

struct Options {
	std::string path;
	unsigned files = 1000;
	unsigned threads = 1;
	bool shared = false;
	double phase_seconds = 0;  // 0: no limit
};

bool ParseOptions(int argc, char** argv, Options* opts)
{
	bool ok = true;
	for (int i = 1; i < argc && ok; i++) {
		std::string key = argv[i];
		if (key == "--shared") {
			opts->shared = true;
			continue;
		}
		if (i + 1 >= argc) {
			ok = false;
			break;
		}
		const char* value = argv[++i];
		if (key == "--path")
			opts->path = value;
		else if (key == "--files")
			opts->files = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
		else if (key == "--threads")
			opts->threads = static_cast<unsigned>(std::strtoul(value, nullptr, 10));
		else if (key == "--phase-seconds")
			opts->phase_seconds = std::strtod(value, nullptr);
		else
			ok = false;
	}
	if (!ok || opts->path.empty() || opts->threads == 0 || opts->files < opts->threads) {
		std::fprintf(stderr,
			     "usage: weft-mdbench --path DIR [--files N] [--threads T] [--shared] [--phase-seconds S]\n"
			     "  (N >= T; N files in all, split over the threads)\n");
		return false;
	}
	return true;
}

// What one thread measured in one phase.
struct PhaseSamples {
	std::vector<uint32_t> latency_ns;
	uint64_t ops = 0;
	uint64_t errors = 0;
	bool stonewalled = false;
	std::string first_error;
};

// One thread's share of the files: their directory and their two names.
struct Share {
	std::string dir;
	std::vector<std::string> names;    // as created
	std::vector<std::string> renamed;  // after the rename phase
	size_t created = 0;                // names[0, created) were created
	size_t moved = 0;                  // of which [0, moved) were renamed
	size_t unlinked = 0;               // and [0, unlinked) were unlinked
};

class Recorder {
public:
	explicit Recorder(PhaseSamples* out) : out_(out) {}
	// Times fn (returns 0 or -1 with errno); names the failure once.
	template <typename Fn>
	void Op(const char* what, const std::string& path, Fn fn)
	{
		auto t0 = Clock::now();
		int rc = fn();
		int err = errno;
		auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
		out_->latency_ns.push_back(static_cast<uint32_t>(std::min<int64_t>(ns, UINT32_MAX)));
		if (rc == 0) {
			out_->ops++;
			return;
		}
		if (out_->errors++ == 0)
			out_->first_error = std::string(what) + " " + path + ": " + std::strerror(err);
	}
	PhaseSamples* samples() { return out_; }

private:
	PhaseSamples* out_;
};

int CloseOk(int fd) { return fd < 0 ? -1 : ::close(fd); }

// Lists dir to its end with getdents64; ops are the entries other than . and ..
void ReadDir(const std::string& dir, Recorder* rec)
{
	int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		rec->Op("opendir", dir, [] { return -1; });
		return;
	}
	alignas(8) static thread_local char buf[32768];
	PhaseSamples* s = rec->samples();
	for (;;) {
		auto t0 = Clock::now();
		long n = ::syscall(SYS_getdents64, fd, buf, sizeof(buf));
		int err = errno;
		auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
		s->latency_ns.push_back(static_cast<uint32_t>(std::min<int64_t>(ns, UINT32_MAX)));
		if (n < 0) {
			if (s->errors++ == 0)
				s->first_error = "getdents64 " + dir + ": " + std::strerror(err);
			break;
		}
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			auto* d = reinterpret_cast<struct dirent64*>(buf + off);
			if (std::strcmp(d->d_name, ".") != 0 && std::strcmp(d->d_name, "..") != 0)
				s->ops++;
			off += d->d_reclen;
		}
	}
	::close(fd);
}

// Runs one phase over this thread's files until done or the deadline.
void RunPhase(size_t phase, Share* share, Recorder* rec, Clock::time_point deadline)
{
	const std::string& dir = share->dir;
	if (phase == 3) {
		ReadDir(dir, rec);
		return;
	}
	// create: every name; rename: the created ones; unlink: every created
	// file, under its new name if it was renamed
	size_t n = phase == 0 ? share->names.size() : share->created;
	size_t i = 0;
	for (; i < n; i++) {
		if (Clock::now() > deadline) {
			rec->samples()->stonewalled = true;
			break;
		}
		const std::string path = dir + "/" + share->names[i];
		const std::string to = dir + "/" + share->renamed[i];
		switch (phase) {
		case 0:
			rec->Op("create", path, [&] {
				return CloseOk(::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644));
			});
			break;
		case 1:
			rec->Op("stat", path, [&] {
				struct stat st;
				return ::stat(path.c_str(), &st);
			});
			break;
		case 2:
			rec->Op("open", path, [&] { return CloseOk(::open(path.c_str(), O_RDONLY | O_CLOEXEC)); });
			break;
		case 4:
			rec->Op("rename", path, [&] { return ::rename(path.c_str(), to.c_str()); });
			break;
		case 5: {
			const std::string& victim = i < share->moved ? to : path;
			rec->Op("unlink", victim, [&] { return ::unlink(victim.c_str()); });
			break;
		}
		}
	}
	if (phase == 0)
		share->created = i;
	else if (phase == 4)
		share->moved = i;
	else if (phase == 5)
		share->unlinked = i;
}

// The files a stonewalled unlink phase left behind: removed after the last
// phase ended, so the removal is not part of any measurement.
void RemoveLeftovers(Share* share)
{
	for (size_t i = share->unlinked; i < share->created; i++)
		::unlink((share->dir + "/" + (i < share->moved ? share->renamed[i] : share->names[i])).c_str());
}

double PercentileUs(std::vector<uint32_t>& all, double p)
{
	if (all.empty())
		return 0;
	size_t idx = std::min(all.size() - 1, static_cast<size_t>(p * all.size()));
	std::nth_element(all.begin(), all.begin() + idx, all.end());
	return all[idx] / 1000.0;
}

// mkdir that tolerates an existing directory of ours
bool MakeDir(const std::string& dir)
{
	if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST)
		return true;
	std::fprintf(stderr, "weft-mdbench: mkdir %s: %s\n", dir.c_str(), std::strerror(errno));
	return false;
}

}  // namespace

int main(int argc, char** argv)
{
	Options opts;
	if (!ParseOptions(argc, argv, &opts))
		return 2;

	// a fresh top directory per run, so runs never see each other's files
	const std::string top = opts.path + "/mdbench." + std::to_string(::getpid());
	if (!MakeDir(top))
		return 1;
	std::vector<Share> shares(opts.threads);
	for (unsigned t = 0; t < opts.threads; t++) {
		Share& s = shares[t];
		s.dir = opts.shared ? top + "/shared" : top + "/t" + std::to_string(t);
		if (!MakeDir(s.dir))
			return 1;
		unsigned first = static_cast<unsigned>(uint64_t(opts.files) * t / opts.threads);
		unsigned end = static_cast<unsigned>(uint64_t(opts.files) * (t + 1) / opts.threads);
		for (unsigned i = first; i < end; i++) {
			s.names.push_back("f." + std::to_string(i));
			s.renamed.push_back("r." + std::to_string(i));
		}
	}

	// samples[phase][thread]; the barrier's completion step timestamps each
	// phase boundary (all threads arrived = previous phase done, next starts)
	std::vector<std::vector<PhaseSamples>> samples(kNumPhases, std::vector<PhaseSamples>(opts.threads));
	std::vector<Clock::time_point> marks;
	marks.reserve(kNumPhases + 1);
	std::barrier sync(static_cast<std::ptrdiff_t>(opts.threads), [&marks]() noexcept {
		marks.push_back(Clock::now());
	});
	std::vector<std::thread> threads;
	for (unsigned t = 0; t < opts.threads; t++) {
		threads.emplace_back([&, t] {
			for (size_t p = 0; p < kNumPhases; p++) {
				sync.arrive_and_wait();
				samples[p][t].latency_ns.reserve(shares[t].names.size());
				Recorder rec(&samples[p][t]);
				auto deadline = opts.phase_seconds > 0
							? Clock::now() + std::chrono::duration_cast<Clock::duration>(
								  std::chrono::duration<double>(opts.phase_seconds))
							: Clock::time_point::max();
				RunPhase(p, &shares[t], &rec, deadline);
			}
			sync.arrive_and_wait();
		});
	}
	for (auto& t : threads)
		t.join();

	nlohmann::json phases = nlohmann::json::object();
	uint64_t errors = 0;
	for (size_t p = 0; p < kNumPhases; p++) {
		std::vector<uint32_t> all;
		uint64_t ops = 0, errs = 0;
		bool stonewalled = false;
		std::string first;
		for (auto& s : samples[p]) {
			stonewalled |= s.stonewalled;
			all.insert(all.end(), s.latency_ns.begin(), s.latency_ns.end());
			ops += s.ops;
			errs += s.errors;
			if (first.empty())
				first = s.first_error;
		}
		double secs = std::chrono::duration<double>(marks[p + 1] - marks[p]).count();
		nlohmann::json r = {
			{"ops", ops},
			{"seconds", secs},
			{"ops_per_sec", secs > 0 ? ops / secs : 0.0},
			{"p50_us", PercentileUs(all, 0.50)},
			{"p99_us", PercentileUs(all, 0.99)},
			{"errors", errs},
			{"stonewalled", stonewalled},
		};
		if (!first.empty())
			r["first_error"] = first;
		phases[kPhases[p]] = r;
		errors += errs;
	}
	for (auto& s : shares) {
		RemoveLeftovers(&s);
		::rmdir(s.dir.c_str());
	}
	::rmdir(top.c_str());

	nlohmann::json result = {
		{"tool", "weft-mdbench"},
		{"path", opts.path},
		{"files", opts.files},
		{"threads", opts.threads},
		{"layout", opts.shared ? "shared-dir" : "dir-per-thread"},
		{"phase_seconds", opts.phase_seconds},
		{"phases", phases},
	};
	std::printf("%s\n", result.dump().c_str());
	return errors ? 1 : 0;
}
