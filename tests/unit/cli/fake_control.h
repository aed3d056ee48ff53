// A double of the kernel control plane for CLI tests.
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "app.h"
#include "control.h"

namespace weft::cli::test {

class FakeControl : public Control {
public:
	ModuleVersion module{"0.1.0", 1};
	std::vector<ChannelInfo> channel_list;
	// when not empty: successive channels() calls return these in turn
	// (the last repeats) instead of channel_list
	std::vector<std::vector<ChannelInfo>> channel_snapshots;
	size_t channel_calls = 0;
	std::vector<MountInfo> mount_list;
	// successive op_stats() calls return these in turn (the last repeats)
	std::vector<std::vector<OpStats>> stats_snapshots;
	size_t stats_calls = 0;
	// successive queue_stats() calls return these in turn (the last repeats)
	std::vector<std::vector<QueueStats>> queue_snapshots;
	size_t queue_calls = 0;
	std::string mgmt_reply = R"({"status":"ok","result":{}})";
	// when not empty: successive mgmt() calls answer these in turn (the
	// last repeats) instead of mgmt_reply
	std::vector<std::string> mgmt_replies;
	size_t mgmt_calls = 0;
	// thrown by the named call ("version", "channels", "mounts", "set", "mgmt")
	std::string fail_call;
	std::optional<KernelError> fail;

	struct SetCall {
		std::string channel;
		std::optional<uint32_t> timeout_ms, grace_ms;
	};
	std::vector<SetCall> sets;
	std::vector<std::string> requests;
	std::vector<std::optional<std::string>> request_channels;

	ModuleVersion version() override
	{
		maybe_fail("version");
		return module;
	}
	std::vector<ChannelInfo> channels() override
	{
		maybe_fail("channels");
		if (!channel_snapshots.empty())
			return channel_snapshots[std::min(channel_calls++, channel_snapshots.size() - 1)];
		return channel_list;
	}
	std::vector<MountInfo> mounts() override
	{
		maybe_fail("mounts");
		return mount_list;
	}
	std::vector<OpStats> op_stats() override
	{
		maybe_fail("op_stats");
		if (stats_snapshots.empty())
			return {};
		size_t i = std::min(stats_calls++, stats_snapshots.size() - 1);
		return stats_snapshots[i];
	}
	std::vector<QueueStats> queue_stats() override
	{
		maybe_fail("queue_stats");
		if (queue_snapshots.empty())
			return {};
		return queue_snapshots[std::min(queue_calls++, queue_snapshots.size() - 1)];
	}
	void set(const std::string &channel, std::optional<uint32_t> timeout_ms,
		 std::optional<uint32_t> grace_ms) override
	{
		maybe_fail("set");
		sets.push_back({channel, timeout_ms, grace_ms});
		for (auto &c : channel_list) {
			if (c.name == channel) {
				if (timeout_ms)
					c.timeout_ms = *timeout_ms;
				if (grace_ms)
					c.grace_ms = *grace_ms;
			}
		}
	}
	std::string mgmt(const std::optional<std::string> &channel, const std::string &request) override
	{
		maybe_fail("mgmt");
		requests.push_back(request);
		request_channels.push_back(channel);
		if (!mgmt_replies.empty())
			return mgmt_replies[std::min(mgmt_calls++, mgmt_replies.size() - 1)];
		return mgmt_reply;
	}

private:
	void maybe_fail(const std::string &call)
	{
		if (fail && (fail_call.empty() || fail_call == call))
			throw *fail;
	}
};

// Forwards to a FakeControl the test keeps.
class ControlRef : public Control {
public:
	explicit ControlRef(FakeControl &f) : f_(f) {}
	ModuleVersion version() override { return f_.version(); }
	std::vector<ChannelInfo> channels() override { return f_.channels(); }
	std::vector<MountInfo> mounts() override { return f_.mounts(); }
	std::vector<OpStats> op_stats() override { return f_.op_stats(); }
	std::vector<QueueStats> queue_stats() override { return f_.queue_stats(); }
	void set(const std::string &c, std::optional<uint32_t> t, std::optional<uint32_t> g) override
	{
		f_.set(c, t, g);
	}
	std::string mgmt(const std::optional<std::string> &c, const std::string &r) override
	{
		return f_.mgmt(c, r);
	}

private:
	FakeControl &f_;
};

struct Result {
	int status;
	std::string out, err;
	int opened;	// how many times the control plane was opened
};

// Runs `weft args...` against fake (or, with no_module, with weft.ko absent).
inline Result run_weft(FakeControl &fake, std::vector<std::string> args, bool no_module = false,
		       const LocalEnv &env = LocalEnv{})
{
	args.insert(args.begin(), "weft");
	std::vector<const char *> argv;
	for (const auto &a : args)
		argv.push_back(a.c_str());
	std::ostringstream out, err;
	int opened = 0;
	int status = run(
		static_cast<int>(argv.size()), argv.data(),
		[&]() -> std::unique_ptr<Control> {
			opened++;
			if (no_module)
				throw NoModuleError();
			return std::make_unique<ControlRef>(fake);
		},
		out, err, env);
	return {status, out.str(), err.str(), opened};
}

inline int count_lines(const std::string &s)
{
	int n = 0;
	for (char c : s)
		n += c == '\n';
	return n;
}

} // namespace weft::cli::test
