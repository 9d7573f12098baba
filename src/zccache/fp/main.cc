#include "zccache/fp/command.h"

int main(int argc, char** argv) { return zccache::fp::run_fp(argc, argv); }
