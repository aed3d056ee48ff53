// DaemonHarness: a whole weftd (store, handlers, dispatcher, ring server)
// attached to a KernelDouble, for tests that go through the rings.
#ifndef WEFT_TESTS_DAEMON_HARNESS_H
#define WEFT_TESTS_DAEMON_HARNESS_H

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "dispatcher.h"
#include "fs_handlers.h"
#include "kernel_double.h"
#include "memory_metadata_store.h"
#include "mgmt_handler.h"
#include "ring_server.h"

namespace weft::testing {

struct HarnessOptions {
	DoubleOptions kernel;
	AttachRequest attach{"test", 2, 8, 16384};
	WorkerOptions worker{0, 20};
	bool start = true;
};

class DaemonHarness {
public:
	explicit DaemonHarness(HarnessOptions options = {});
	~DaemonHarness();

	// Registers the daemon's handlers on dispatcher and starts the queue
	// threads; tests that add their own handlers do so before.
	void start();
	void stop();

	// Submits and waits; fails the test on a timeout.
	Completion call(const Submission &s, uint32_t queue = 0);

	KernelDouble kernel;
	bool expect_clean_stop = true;
	MemoryMetadataStore store;
	std::string data_dir;
	std::optional<Attachment> attachment;
	Dispatcher dispatcher;
	std::unique_ptr<FsHandlers> fs;
	std::unique_ptr<MgmtHandler> mgmt;
	RingServer server;
};

template <typename T>
T payload_as(const Completion &c)
{
	T v{};
	EXPECT_GE(c.out.size(), sizeof(T));
	std::memcpy(&v, c.out.data(), std::min(sizeof(T), c.out.size()));
	return v;
}

}  // namespace weft::testing

#endif
