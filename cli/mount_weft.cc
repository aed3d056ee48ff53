#include <cstdio>

int main()
{
	std::fprintf(stderr, "mount.weft: not implemented yet\n");
	return 1;
}
