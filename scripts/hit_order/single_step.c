/* Runs a program under ptrace, one instruction at a time, and prints the distinct instruction
 * addresses it executed inside [LO, HI) (hex), in the order they were first reached. Used by
 * generate.sh to list the functions a cache hit runs; a hit is ~70k instructions, about a second.
 *   single_step LO HI PROGRAM ARGS... */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: single_step LO HI PROGRAM ARGS...\n");
    return 2;
  }
  uintptr_t lo = strtoull(argv[1], NULL, 16), hi = strtoull(argv[2], NULL, 16);
  if (hi <= lo) return 2;
  unsigned char *seen = calloc(hi - lo, 1);
  uintptr_t *order = malloc((hi - lo) * sizeof *order);
  if (!seen || !order) return 2;
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    execv(argv[3], argv + 3);
    _exit(127);
  }
  int status;
  size_t n = 0;
  long steps = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) return 2;  /* stopped at exec */
  for (;;) {
    struct user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) != 0) break;
    if (regs.rip >= lo && regs.rip < hi && !seen[regs.rip - lo]) {
      seen[regs.rip - lo] = 1;
      order[n++] = regs.rip;
    }
    if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) != 0) break;
    if (waitpid(pid, &status, 0) < 0 || WIFEXITED(status) || WIFSIGNALED(status)) break;
    steps++;
  }
  fprintf(stderr, "single_step: %ld instructions, %zu distinct addresses\n", steps, n);
  for (size_t i = 0; i < n; i++) printf("%lx\n", (unsigned long)order[i]);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
