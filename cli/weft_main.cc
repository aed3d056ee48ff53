// weft: the Weft command line (see docs/weft.8).
#include <iostream>
#include <memory>

#include "app.h"
#include "netlink_client.h"

int main(int argc, char **argv)
{
	return weft::cli::run(
		argc, argv, [] { return std::make_unique<weft::cli::NetlinkClient>(); }, std::cout,
		std::cerr);
}
