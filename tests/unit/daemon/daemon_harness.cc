#include "daemon_harness.h"

#include <filesystem>

namespace weft::testing {

DaemonHarness::DaemonHarness(HarnessOptions options)
	: kernel(options.kernel),
	  data_dir(::testing::TempDir()),
	  server(kernel, ServerOptions{options.worker, 0})
{
	auto att = server.attach(options.attach);
	if (!att) {
		ADD_FAILURE() << "attach: " << att.error().message;
		return;
	}
	attachment = *att;
	fs = std::make_unique<FsHandlers>(store, FsHandlerOptions{data_dir});
	mgmt = std::make_unique<MgmtHandler>(
		store, DaemonInfo{options.attach.name, data_dir, att->geometry});
	fs->register_with(dispatcher);
	mgmt->register_with(dispatcher);
	if (options.start)
		start();
}

DaemonHarness::~DaemonHarness() { stop(); }

void DaemonHarness::start()
{
	ASSERT_TRUE(attachment.has_value());
	ASSERT_TRUE(server.start(dispatcher).ok());
}

void DaemonHarness::stop()
{
	server.request_stop();
	if (attachment)
		kernel.interrupt_all();
	Status st = server.wait();
	if (expect_clean_stop) {
		EXPECT_TRUE(st.ok()) << st.error().message;
	}
}

Completion DaemonHarness::call(const Submission &s, uint32_t queue)
{
	const uint64_t unique = kernel.submit(queue, s);
	auto done = kernel.wait_for(queue, unique);
	if (!done) {
		ADD_FAILURE() << "no completion for opcode " << s.opcode;
		return Completion{};
	}
	return *done;
}

}  // namespace weft::testing
