// Real process death: a child writes chunks and reports each acknowledged
// write through a pipe; the parent SIGKILLs it mid-stream, reopens the store
// and checks that every acknowledged write is there and the metadata is
// consistent.  (The in-process CrashPoint tests stop between every step;
// this one stops wherever the kernel happens to be.)
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>

#include "storage/chunk_store.h"
#include "temp_dir.h"

namespace weft::storage {
namespace {

constexpr uint32_t kChunkBlocks = 16;
constexpr uint64_t kChunks = 24;

// Contents of block b of chunk c after the child's write number `round`.
std::vector<std::byte> block_for(uint64_t c, uint32_t b, uint32_t round)
{
	return testing::pattern(4096, static_cast<uint32_t>(c * 1000003 + b * 7919 + round));
}

// The child announces each write before it starts and after it is
// acknowledged, so the parent knows the one write that may be in flight.
struct Message {
	uint32_t done;  // 0: starting, 1: acknowledged
	uint32_t round;
	uint64_t chunk;
	uint32_t first;
	uint32_t count;
};

StoreOptions store_options(const std::string &dir, const Uuid &cluster)
{
	StoreOptions o;
	o.meta_dir = dir + "/meta";
	o.cluster = cluster;
	o.chunk_blocks = kChunkBlocks;
	o.replicas = 2;
	o.pg_count = 64;
	return o;
}

[[noreturn]] void child(const StoreOptions &o, int fd, uint32_t first_round)
{
	auto s = ChunkStore::open(o);
	if (!s)
		_exit(2);
	// Overwrites of 1..4 blocks at shifting places: deferred writes, or
	// intents when the parent turned deferred writes off.
	for (uint32_t round = first_round;; round++) {
		for (uint64_t c = 0; c < kChunks; c++) {
			Message m{0, round, c, (round * 5 + static_cast<uint32_t>(c)) % kChunkBlocks, 0};
			m.count = std::min<uint32_t>(1 + round % 4, kChunkBlocks - m.first);
			std::vector<std::byte> data;
			for (uint32_t b = m.first; b < m.first + m.count; b++) {
				auto blk = block_for(c, b, round);
				data.insert(data.end(), blk.begin(), blk.end());
			}
			if (::write(fd, &m, sizeof(m)) != sizeof(m))
				_exit(4);
			if (!(*s)->write(c, m.first, data).ok())
				_exit(3);
			m.done = 1;
			if (::write(fd, &m, sizeof(m)) != sizeof(m))
				_exit(4);
		}
	}
}

// The writer, in a fresh process: the parent re-executes this binary with
// only this test selected (a plain fork would inherit RocksDB's background
// threads' locks in whatever state they were).
TEST(KillNine, Writer)
{
	const char *spec = std::getenv("WEFT_KILL_WRITER");
	if (spec == nullptr)
		GTEST_FAIL() << "runs only as the child of AcknowledgedWritesSurvive... (WEFT_KILL_WRITER unset)";
	char dir[256], cluster[64];
	int fd = -1;
	unsigned round = 0, deferred = 0;
	ASSERT_EQ(std::sscanf(spec, "%255s %63s %d %u %u", dir, cluster, &fd, &round, &deferred), 5);
	StoreOptions o = store_options(dir, *Uuid::parse(cluster));
	if (deferred == 0)
		o.deferred_max_blocks = 0;
	child(o, fd, round);
}

TEST(KillNine, AcknowledgedWritesSurviveSigkillAndTheStoreChecksClean)
{
	testing::TempDir dir;
	StoreOptions o = store_options(dir.path(), Uuid::generate());
	{
		auto s = ChunkStore::open(o);
		ASSERT_TRUE(s.ok());
		for (int i = 0; i < 2; i++)
			ASSERT_TRUE((*s)->add_drive(dir.make_file("d" + std::to_string(i), 32 << 20), i).ok());
	}
	// Per block: the round of its last acknowledged write (0: none).
	std::map<std::pair<uint64_t, uint32_t>, uint32_t> acked;
	uint32_t next_round = 1;
	uint64_t total_acks = 0, recovered = 0, replayed = 0;
	for (int kill = 0; kill < 4; kill++) {
		int fds[2];
		ASSERT_EQ(::pipe(fds), 0);  // no O_CLOEXEC: the writer inherits fds[1]
		std::string spec = dir.path() + " " + o.cluster.to_string() + " " +
				   std::to_string(fds[1]) + " " + std::to_string(next_round) +
				   (kill % 2 == 0 ? " 1" : " 0");  // deferred writes, then intents
		pid_t pid = ::fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			::close(fds[0]);
			int null = ::open("/dev/null", O_WRONLY);
			::dup2(null, STDOUT_FILENO);
			::setenv("WEFT_KILL_WRITER", spec.c_str(), 1);
			::execl("/proc/self/exe", "weft_storage_tests",
				"--gtest_filter=KillNine.Writer", static_cast<char *>(nullptr));
			_exit(127);
		}
		::close(fds[1]);
		// Let it get going (open, recover, write), then kill it mid-stream.
		Message first{};
		ASSERT_EQ(::read(fds[0], &first, sizeof(first)), static_cast<ssize_t>(sizeof(first)));
		std::this_thread::sleep_for(std::chrono::milliseconds(100 + 70 * kill));
		::kill(pid, SIGKILL);
		int status = 0;
		::waitpid(pid, &status, 0);
		ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early: " << WEXITSTATUS(status);
		Message m = first, in_flight{};
		bool pending = false;
		for (bool have = true; have; have = ::read(fds[0], &m, sizeof(m)) == sizeof(m)) {
			pending = m.done == 0;
			if (pending) {
				in_flight = m;
				continue;
			}
			total_acks++;
			for (uint32_t b = m.first; b < m.first + m.count; b++)
				acked[{m.chunk, b}] = m.round;
			next_round = m.round + 1;
		}
		::close(fds[0]);
		next_round += 1;  // rounds never repeat across runs

		auto s = ChunkStore::open(o);
		ASSERT_TRUE(s.ok()) << s.error().message;
		ASSERT_TRUE((*s)->check().ok()) << (*s)->check().error().message;
		// Every acknowledged block holds its acknowledged contents, unless
		// the write in flight at the kill covered it (then old or new).
		for (const auto &[key, round] : acked) {
			std::vector<std::byte> out(4096);
			ASSERT_TRUE((*s)->read(key.first, key.second, out).ok());
			bool covered = pending && in_flight.chunk == key.first &&
				       key.second >= in_flight.first &&
				       key.second < in_flight.first + in_flight.count;
			bool ok = out == block_for(key.first, key.second, round) ||
				  (covered && out == block_for(key.first, key.second, in_flight.round));
			ASSERT_TRUE(ok) << "chunk " << key.first << " block " << key.second
					<< " lost acknowledged round " << round;
			if (covered && out != block_for(key.first, key.second, round))
				acked[key] = in_flight.round;  // rolled forward: now the truth
		}
		auto scrub = (*s)->scrub();
		ASSERT_TRUE(scrub.ok());
		EXPECT_EQ(scrub->bad_blocks, 0u);
		recovered += (*s)->counters().recovered_intents;
		replayed += (*s)->counters().replayed_blocks;
	}
	std::printf("[   INFO   ] %llu acknowledged writes, %llu interrupted writes recovered, "
		    "%llu deferred blocks replayed\n",
		    static_cast<unsigned long long>(total_acks), static_cast<unsigned long long>(recovered),
		    static_cast<unsigned long long>(replayed));
	EXPECT_GT(total_acks, 20u);
}

}  // namespace
}  // namespace weft::storage
