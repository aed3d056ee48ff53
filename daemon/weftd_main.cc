#include <cstdio>

int main()
{
	std::printf("weftd %s\n", WEFT_VERSION);
	return 0;
}
