#include <gtest/gtest.h>

#include "format.h"

using namespace weft::cli;

TEST(Units, Bytes)
{
	EXPECT_EQ(format_bytes(0), "0 B");
	EXPECT_EQ(format_bytes(1023), "1023 B");
	EXPECT_EQ(format_bytes(1024), "1.0 KiB");
	EXPECT_EQ(format_bytes(1536ull << 20), "1.5 GiB");
	EXPECT_EQ(format_bytes(262144), "256.0 KiB");
	EXPECT_EQ(format_bytes((1ull << 40) - 1), "1.0 TiB");
	EXPECT_EQ(format_bytes(UINT64_MAX), "16.0 EiB");
}

TEST(Units, Milliseconds)
{
	EXPECT_EQ(format_ms(0), "0 s");
	EXPECT_EQ(format_ms(250), "250 ms");
	EXPECT_EQ(format_ms(1500), "1.5 s");
	EXPECT_EQ(format_ms(1001), "1.001 s");
	EXPECT_EQ(format_ms(30000), "30 s");
}

TEST(Units, Percent)
{
	EXPECT_EQ(format_percent(0, 0), "-");
	EXPECT_EQ(format_percent(15, 100), "15%");
	EXPECT_EQ(format_percent(1, 3), "33%");
}

TEST(Units, ParseSize)
{
	EXPECT_EQ(parse_size("4096"), 4096u);
	EXPECT_EQ(parse_size("10GiB"), 10ull << 30);
	EXPECT_EQ(parse_size("10G"), 10ull << 30);
	EXPECT_EQ(parse_size("10g"), 10ull << 30);
	EXPECT_EQ(parse_size("10GB"), 10'000'000'000ull);
	EXPECT_EQ(parse_size("1.5T"), 3ull << 39);
	EXPECT_EQ(parse_size("1 TiB"), 1ull << 40);
	EXPECT_FALSE(parse_size(""));
	EXPECT_FALSE(parse_size("abc"));
	EXPECT_FALSE(parse_size("-1G"));
	EXPECT_FALSE(parse_size("10X"));
	EXPECT_FALSE(parse_size("0.5"));	// not a whole number of bytes
	EXPECT_FALSE(parse_size("99999999999P"));
}

TEST(Units, ParseDuration)
{
	EXPECT_EQ(parse_duration_ms("30"), 30000u);
	EXPECT_EQ(parse_duration_ms("1.5"), 1500u);
	EXPECT_EQ(parse_duration_ms("1.5s"), 1500u);
	EXPECT_EQ(parse_duration_ms("500ms"), 500u);
	EXPECT_EQ(parse_duration_ms("2m"), 120000u);
	EXPECT_EQ(parse_duration_ms("1h"), 3600000u);
	EXPECT_EQ(parse_duration_ms("0"), 0u);
	EXPECT_FALSE(parse_duration_ms(""));
	EXPECT_FALSE(parse_duration_ms("abc"));
	EXPECT_FALSE(parse_duration_ms("-1"));
	EXPECT_FALSE(parse_duration_ms("1.0001"));
	EXPECT_FALSE(parse_duration_ms("5d"));
	EXPECT_FALSE(parse_duration_ms("1.2.3"));
}

TEST(Table, AlignsColumnsWithoutTrailingBlanks)
{
	Table t({{"NAME"}, {"COUNT", Table::Align::Right}, {"NOTE"}});
	t.add_row({"a", "1", ""});
	t.add_row({"longer", "12345", "x"});
	EXPECT_EQ(t.render(),
		  "NAME    COUNT  NOTE\n"
		  "a           1\n"
		  "longer  12345  x\n");
}

TEST(Fields, AlignsValues)
{
	EXPECT_EQ(render_fields({{"A", "1"}, {"Longer", "2"}}),
		  "A:       1\n"
		  "Longer:  2\n");
}

TEST(Generic, ArrayOfObjectsIsATable)
{
	Json r = Json::parse(R"([{"name":"a","capacity_bytes":1073741824,"replication":2},
				{"name":"bb","capacity_bytes":0,"replication":1}])");
	EXPECT_EQ(generic_text(r),
		  "NAME  CAPACITY  REPLICATION\n"
		  "a      1.0 GiB            2\n"
		  "bb         0 B            1\n");
}

TEST(Generic, ObjectIsFieldsAndTables)
{
	Json r = Json::parse(R"({"mode":"single-node","leader":{"host":"n1","epoch":3},
				"hosts":[{"name":"n1","state":"up"}],"tags":["a","b"]})");
	EXPECT_EQ(generic_text(r),
		  "Mode:          single-node\n"
		  "Leader host:   n1\n"
		  "Leader epoch:  3\n"
		  "Tags:          a, b\n"
		  "\n"
		  "HOSTS\n"
		  "NAME  STATE\n"
		  "n1    up\n");
}

TEST(Generic, Scalars)
{
	EXPECT_EQ(generic_text(Json(nullptr)), "ok\n");
	EXPECT_EQ(generic_text(Json::array()), "none\n");
	EXPECT_EQ(generic_text(Json("done")), "done\n");
}
