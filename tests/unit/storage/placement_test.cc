#include "storage/placement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <vector>

namespace weft::storage {
namespace {

constexpr uint32_t kPgs = 65536;

ClusterMap map_of(uint32_t drives, uint32_t drives_per_host = 1)
{
	ClusterMap m;
	for (uint32_t i = 1; i <= drives; i++)
		EXPECT_TRUE(m.add_drive({i, (i - 1) / drives_per_host, DriveState::kUp, 1.0}).ok());
	return m;
}

std::vector<std::vector<uint32_t>> all_placements(const ClusterMap &m, uint32_t replicas)
{
	std::vector<std::vector<uint32_t>> out(kPgs);
	for (uint32_t pg = 0; pg < kPgs; pg++) {
		auto p = place(m, pg, replicas);
		EXPECT_TRUE(p.ok());
		out[pg] = *p;
	}
	return out;
}

void expect_uniform(uint32_t replicas)
{
	ClusterMap m = map_of(24);
	auto table = all_placements(m, replicas);
	std::vector<uint64_t> per_drive(25, 0);
	constexpr uint64_t kChunks = 100000;
	for (uint64_t chunk = 0; chunk < kChunks; chunk++)
		for (uint32_t d : table[placement_group(chunk, kPgs)])
			per_drive[d]++;
	double ideal = double(kChunks) * replicas / 24;
	double worst = 0;
	for (uint32_t d = 1; d <= 24; d++)
		worst = std::max(worst, std::abs(double(per_drive[d]) - ideal) / ideal);
	std::printf("[   INFO   ] %u replica(s): worst drive %.2f%% from ideal\n", replicas, worst * 100);
	for (uint32_t d = 1; d <= 24; d++)
		EXPECT_LT(std::abs(double(per_drive[d]) - ideal) / ideal, 0.05)
			<< "drive " << d << " holds " << per_drive[d] << ", ideal " << ideal;
}

TEST(Placement, UniformWithinFivePercentOver24Drives)
{
	expect_uniform(1);
	expect_uniform(3);
}

TEST(Placement, DeterministicDistinctAndOrdered)
{
	ClusterMap m = map_of(8);
	for (uint32_t pg = 0; pg < 1000; pg++) {
		auto a = place(m, pg, 3), b = place(m, pg, 3);
		ASSERT_TRUE(a.ok());
		EXPECT_EQ(*a, *b);
		EXPECT_EQ(std::set<uint32_t>(a->begin(), a->end()).size(), 3u);
		// A prefix of a longer list: the order is the drives' ranking.
		auto longer = place(m, pg, 5);
		EXPECT_TRUE(std::equal(a->begin(), a->end(), longer->begin()));
	}
}

TEST(Placement, AddingADriveMovesOnlyItsShare)
{
	constexpr uint32_t kReplicas = 3;
	ClusterMap before = map_of(24);
	ClusterMap after = before;
	ASSERT_TRUE(after.add_drive({25, 24, DriveState::kUp, 1.0}).ok());
	EXPECT_GT(after.epoch(), before.epoch());
	auto old_table = all_placements(before, kReplicas);
	auto new_table = all_placements(after, kReplicas);
	uint64_t changed = 0;
	for (uint32_t pg = 0; pg < kPgs; pg++) {
		std::set<uint32_t> o(old_table[pg].begin(), old_table[pg].end());
		std::set<uint32_t> n(new_table[pg].begin(), new_table[pg].end());
		if (o == n)
			continue;
		changed++;
		// Exactly one replica swapped, and for the new drive.
		std::vector<uint32_t> gained;
		std::set_difference(n.begin(), n.end(), o.begin(), o.end(), std::back_inserter(gained));
		ASSERT_EQ(gained, std::vector<uint32_t>{25}) << "pg " << pg;
	}
	double fraction = double(changed) / kPgs, ideal = double(kReplicas) / 25;
	EXPECT_NEAR(fraction, ideal, ideal * 0.1);
}

TEST(Placement, RemovingADriveMovesOnlyWhatItHeld)
{
	constexpr uint32_t kReplicas = 2;
	ClusterMap before = map_of(24);
	ClusterMap after = before;
	ASSERT_TRUE(after.set_state(7, DriveState::kOut).ok());
	auto old_table = all_placements(before, kReplicas);
	auto new_table = all_placements(after, kReplicas);
	uint64_t changed = 0;
	for (uint32_t pg = 0; pg < kPgs; pg++) {
		std::set<uint32_t> o(old_table[pg].begin(), old_table[pg].end());
		std::set<uint32_t> n(new_table[pg].begin(), new_table[pg].end());
		if (o.count(7) == 0) {
			EXPECT_EQ(o, n) << "pg " << pg << " moved without touching drive 7";
			continue;
		}
		changed++;
		std::vector<uint32_t> lost;
		std::set_difference(o.begin(), o.end(), n.begin(), n.end(), std::back_inserter(lost));
		EXPECT_EQ(lost, std::vector<uint32_t>{7});
	}
	double ideal = double(kReplicas) / 24;
	EXPECT_NEAR(double(changed) / kPgs, ideal, ideal * 0.1);
}

TEST(Placement, ReplicasNeverShareAHostWhenHostsSuffice)
{
	ClusterMap m = map_of(12, 4);  // 3 hosts x 4 drives
	for (uint32_t pg = 0; pg < 5000; pg++) {
		auto p = place(m, pg, 3);
		ASSERT_TRUE(p.ok());
		std::set<uint32_t> hosts;
		for (uint32_t d : *p)
			hosts.insert(m.find(d)->host_id);
		EXPECT_EQ(hosts.size(), 3u);
	}
	// 4 replicas on 3 hosts: distinct drives instead.
	auto p = place(m, 1, 4);
	ASSERT_TRUE(p.ok());
	EXPECT_EQ(std::set<uint32_t>(p->begin(), p->end()).size(), 4u);
}

TEST(Placement, MoreReplicasThanFailureDomainsIsRefused)
{
	ClusterMap m = map_of(3);
	auto r = place(m, 0, 4);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, EINVAL);
	ASSERT_TRUE(m.set_state(1, DriveState::kOut).ok());
	EXPECT_EQ(place(m, 0, 3).error().code, EINVAL);
	// Failed (not out) drives still count: their data is merely degraded.
	ASSERT_TRUE(m.set_state(2, DriveState::kFailed).ok());
	EXPECT_TRUE(place(m, 0, 2).ok());
	// A filter that leaves too few drives is ENOSPC.
	EXPECT_EQ(place(m, 0, 2, [](uint32_t d) { return d == 3; }).error().code, ENOSPC);
}

TEST(Placement, WeightsSkewTheShare)
{
	ClusterMap m;
	ASSERT_TRUE(m.add_drive({1, 1, DriveState::kUp, 1.0}).ok());
	ASSERT_TRUE(m.add_drive({2, 2, DriveState::kUp, 3.0}).ok());
	uint64_t on2 = 0;
	for (uint32_t pg = 0; pg < kPgs; pg++)
		on2 += place(m, pg, 1)->front() == 2;
	EXPECT_NEAR(double(on2) / kPgs, 0.75, 0.02);
}

}  // namespace
}  // namespace weft::storage
