/* hello: prints the machine it was compiled for. */
#include <stdio.h>

#if defined(__x86_64__)
#define ARCH "x86_64"
#elif defined(__aarch64__)
#define ARCH "aarch64"
#elif defined(__arm__)
#define ARCH "arm"
#elif defined(__powerpc64__)
#define ARCH "ppc64"
#elif defined(__s390x__)
#define ARCH "s390x"
#elif defined(__riscv)
#define ARCH "riscv"
#elif defined(__i386__)
#define ARCH "i386"
#else
#define ARCH "unknown"
#endif

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "world";
    printf("hello, %s, from %s\n", name, ARCH);
    return 0;
}
