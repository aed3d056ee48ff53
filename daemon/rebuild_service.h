// RebuildService: restores redundancy in the background.
//
// The storage engine marks a drive failed when it returns I/O errors or
// disappears, and keeps serving from the other replicas; nothing in the I/O
// path waits for the copy.  This service notices -- a new failure, or a
// change of the cluster map's epoch (a drive added gives rebuild somewhere
// to go) -- and runs ChunkStore::rebuild() throttled, so the copy never
// starves the applications.  While a rebuild cannot finish (no drive left
// with room, every replica of a chunk gone) it waits for the next change
// instead of retrying in a loop.
#ifndef WEFT_DAEMON_REBUILD_SERVICE_H
#define WEFT_DAEMON_REBUILD_SERVICE_H

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "storage/chunk_store.h"

namespace weft {

struct RebuildOptions {
	uint64_t bytes_per_sec = 128ull << 20;	// 0: unthrottled
	// How often the engine is looked at for a change.
	std::chrono::milliseconds poll{500};
};

// What the service has done, for status and tests.
struct RebuildRuns {
	uint64_t started = 0;
	uint64_t succeeded = 0;
	uint64_t failed = 0;	// incomplete (the next change retries)
};

class RebuildService {
public:
	// store must outlive the service.  Starts at once; a store that is
	// already degraded (a drive lost while weftd was down) is rebuilt.
	RebuildService(storage::ChunkStore &store, RebuildOptions options);
	~RebuildService();	// stops (a running rebuild after its chunk) and joins
	RebuildService(const RebuildService &) = delete;
	RebuildService &operator=(const RebuildService &) = delete;

	RebuildRuns runs();

private:
	// What makes a new attempt worthwhile.
	struct Trigger {
		uint64_t failures = 0;
		uint64_t epoch = 0;
		bool operator==(const Trigger &) const = default;
	};
	Trigger current();
	bool degraded();
	void loop();

	storage::ChunkStore &store_;
	const RebuildOptions options_;
	std::mutex mu_;
	std::condition_variable cv_;
	bool stop_ = false;
	std::atomic<bool> cancel_{false};	// stop_, for the rebuild in progress
	RebuildRuns runs_;
	std::thread thread_;	// last: starts after everything it uses
};

}  // namespace weft

#endif
