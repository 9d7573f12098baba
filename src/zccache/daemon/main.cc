#include "zccache/daemon/server.h"

int main(int argc, char** argv) { return zccache::daemon::run_daemon(argc, argv); }
