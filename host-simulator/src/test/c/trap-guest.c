/*
 * trap-guest: a guest program for the trap helper's tests (TrapHelperTest). Each mode executes
 * the backdoor's instructions itself, in the forms real guests use, and prints what it saw.
 *
 *   trap-guest in | in16 | in8 | prefixed   one GETVERSION; prints the seven registers after it
 *   trap-guest rpci KEY VALUE               info-set then info-get over the high-bandwidth port
 *   trap-guest signals                      SIGILL (ud2), SIGUSR1 and a non-backdoor `in`, each
 *                                           caught by the program's own handler
 *   trap-guest segv | port80                a genuine SIGSEGV: the program dies of it
 *   trap-guest fork PATH-TO-SELF            GETVERSION in the parent, a forked child and an exec'd
 *                                           image
 *   trap-guest cpuid [again]                the hypervisor leaf; `cpuid` then execs `cpuid again`
 *   trap-guest safety SHUTDOWN-COPY         what the sandbox refuses (errno names)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cpuid.h>

#define MAGIC 0x564D5868u
#define LB 0x5658u
#define HB 0x5659u

/* bd_X(uint64_t regs[7]): loads rax, rbx, rcx, rdx, rsi, rdi, rbp from regs, executes the
 * instruction bytes, stores the seven registers back. */
#define BACKDOOR_FORM(name, bytes)                                                        \
  __asm__(".text\n.globl " #name "\n" #name ":\n"                                       \
          "push %rbx\npush %rbp\npush %r12\nmov %rdi, %r12\n"                           \
          "mov 0(%r12), %rax\nmov 8(%r12), %rbx\nmov 16(%r12), %rcx\nmov 24(%r12), %rdx\n" \
          "mov 32(%r12), %rsi\nmov 48(%r12), %rbp\nmov 40(%r12), %rdi\n"                \
          ".byte " bytes "\n"                                                           \
          "mov %rax, 0(%r12)\nmov %rbx, 8(%r12)\nmov %rcx, 16(%r12)\nmov %rdx, 24(%r12)\n" \
          "mov %rsi, 32(%r12)\nmov %rdi, 40(%r12)\nmov %rbp, 48(%r12)\n"                \
          "pop %r12\npop %rbp\npop %rbx\nret\n");                                       \
  void name(uint64_t regs[7]);

BACKDOOR_FORM(bd_in, "0xED")
BACKDOOR_FORM(bd_in16, "0x66, 0xED")
BACKDOOR_FORM(bd_in8, "0xEC")
BACKDOOR_FORM(bd_prefixed, "0x3E, 0x48, 0xED")
BACKDOOR_FORM(bd_outs, "0xF3, 0x6E")
BACKDOOR_FORM(bd_ins, "0xF3, 0x6C")

static void print_regs(const char *what, const uint64_t r[7]) {
  printf("%s rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx rsi=%016llx rdi=%016llx rbp=%016llx\n",
         what, (unsigned long long)r[0], (unsigned long long)r[1], (unsigned long long)r[2],
         (unsigned long long)r[3], (unsigned long long)r[4], (unsigned long long)r[5],
         (unsigned long long)r[6]);
}

/* GETVERSION with the upper halves of every register set, so the test sees what is kept. */
static void getversion(void (*form)(uint64_t *), const char *what) {
  uint64_t r[7] = {0xAAAAAAAA00000000ull | MAGIC, 0xBBBBBBBB00000000ull | (uint32_t)~MAGIC,
                   0xCCCCCCCC0000000Aull, 0xDDDDDDDD00000000ull | LB, 0x1111111122222222ull,
                   0x3333333344444444ull, 0x5555555566666666ull};
  form(r);
  print_regs(what, r);
}

/* One message sub-command on the command port; returns the status (high word of ecx). */
static uint32_t message(uint32_t sub, uint32_t ebx, uint32_t id, uint32_t ckh, uint32_t ckl, uint64_t out[7]) {
  uint64_t r[7] = {MAGIC, ebx, (uint64_t)sub << 16 | 30u, (uint64_t)id << 16 | LB, ckh, ckl, 0};
  bd_in(r);
  memcpy(out, r, sizeof r);
  return (uint32_t)(r[2] >> 16);
}

/* One RPCI request over HB; prints the pointer and count registers after each rep, and the reply. */
static int rpci(const char *request) {
  uint64_t r[7];
  if (!(message(0, 0xC9435052u, 0, 0, 0, r) & 1)) return printf("OPEN refused\n"), 1;
  uint32_t id = (uint32_t)(r[3] >> 16), ckh = (uint32_t)r[4], ckl = (uint32_t)r[5];
  uint32_t k = (uint32_t)strlen(request);
  if ((message(1, k, id, ckh, ckl, r) & 0x81) != 0x81) return printf("SENDSIZE refused\n"), 1;
  static char out[4096];
  memcpy(out, request, k);
  uint64_t o[7] = {MAGIC, 0x10000u, k, (uint64_t)id << 16 | HB, (uint64_t)(uintptr_t)out, ckl, ckh};
  bd_outs(o);
  printf("outs status=%u rsi+=%lld rcx=%llu\n", (unsigned)(o[1] >> 16),
         (long long)(o[4] - (uintptr_t)out), (unsigned long long)o[2]);
  if ((message(3, 0, id, ckh, ckl, r) & 0x83) != 0x83) return printf("RECVSIZE: no reply\n"), 1;
  uint32_t n = (uint32_t)r[1];
  static char in[4096];
  memset(in, 0, sizeof in);
  uint64_t i[7] = {MAGIC, 0x10000u, n, (uint64_t)id << 16 | HB, ckh, (uint64_t)(uintptr_t)in, ckl};
  bd_ins(i);
  printf("ins status=%u rdi+=%lld rcx=%llu\n", (unsigned)(i[1] >> 16),
         (long long)(i[5] - (uintptr_t)in), (unsigned long long)i[2]);
  message(5, 1, id, ckh, ckl, r);
  message(6, 0, id, ckh, ckl, r);
  printf("reply '%.*s'\n", (int)n, in);
  return 0;
}

static sigjmp_buf jump;
static volatile int caught;

static void handler(int sig) {
  caught = sig;
  if (sig != SIGUSR1) siglongjmp(jump, 1);
}

static int signals(void) {
  struct sigaction sa = {0};
  sa.sa_handler = handler;
  sigaction(SIGILL, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
  if (sigsetjmp(jump, 1) == 0) __asm__ volatile("ud2");
  printf("caught %s\n", caught == SIGILL ? "SIGILL" : "something else");
  caught = 0;
  raise(SIGUSR1);
  printf("caught %s\n", caught == SIGUSR1 ? "SIGUSR1" : "something else");
  caught = 0;
  if (sigsetjmp(jump, 1) == 0) {
    uint64_t r[7] = {MAGIC, 0, 10, 0x80, 0, 0, 0};
    bd_in(r);
  }
  printf("caught %s\n", caught == SIGSEGV ? "SIGSEGV" : "something else");
  return 0;
}

static const char *err_name(int e) {
  switch (e) {
    case 0: return "OK";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case EROFS: return "EROFS";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    default: return strerror(e);
  }
}

static void report(const char *what, long rc) {
  printf("%s %s\n", what, err_name(rc < 0 ? errno : 0));
}

static int safety(const char *shutdown_copy) {
  /* Each call is harmless where it gets through: invalid magic, a clock that cannot be set,
   * a null time, read-only adjtimex, signal 0. */
  report("reboot", syscall(SYS_reboot, 0, 0, 0, NULL));
  struct timespec ts = {0, 0};
  report("clock_settime", syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts));
  report("settimeofday", syscall(SYS_settimeofday, NULL, NULL));
  struct timex tx = {0};
  report("adjtimex", syscall(SYS_adjtimex, &tx));
  report("socket_vsock", socket(40, SOCK_STREAM, 0));
  report("kill_init", kill(1, 0));
  int fd = open("/etc/vmbackdoor-trap-test", O_CREAT | O_WRONLY, 0600);
  report("write_etc", fd);
  if (fd >= 0) {
    close(fd);
    unlink("/etc/vmbackdoor-trap-test");
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/scratch-file", getenv("HOME"));
  fd = open(path, O_CREAT | O_WRONLY, 0600);
  report("write_home", fd);
  if (fd >= 0) close(fd);
  DIR *run = opendir("/run");
  int entries = 0;
  if (run != NULL) {
    struct dirent *e;
    while ((e = readdir(run)) != NULL) entries += e->d_name[0] != '.';
    closedir(run);
  }
  printf("run_entries %d\n", entries);
  pid_t child = fork();
  if (child == 0) {
    char *argv[] = {(char *)shutdown_copy, "-h", "now", NULL};
    execv(shutdown_copy, argv);
    printf("exec_shutdown %s\n", err_name(errno));
    fflush(stdout);
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
  return 0;
}

static void cpuid_sig(const char *what) {
  unsigned a, b, c, d;
  char sig[13];
  __cpuid(0x40000000u, a, b, c, d);
  memcpy(sig, &b, 4);
  memcpy(sig + 4, &c, 4);
  memcpy(sig + 8, &d, 4);
  sig[12] = 0;
  __cpuid(0x40000010u, a, b, c, d);
  printf("%s hypervisor '%s' vmcall %u vmmcall %u\n", what, sig, (c >> 1) & 1, c & 1);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "in") == 0) getversion(bd_in, "in");
  else if (strcmp(mode, "in16") == 0) getversion(bd_in16, "in16");
  else if (strcmp(mode, "in8") == 0) getversion(bd_in8, "in8");
  else if (strcmp(mode, "prefixed") == 0) getversion(bd_prefixed, "prefixed");
  else if (strcmp(mode, "rpci") == 0 && argc == 4) {
    char request[1024];
    snprintf(request, sizeof request, "info-set guestinfo.%s %s", argv[2], argv[3]);
    if (rpci(request) != 0) return 1;
    snprintf(request, sizeof request, "info-get guestinfo.%s", argv[2]);
    return rpci(request);
  } else if (strcmp(mode, "signals") == 0) return signals();
  else if (strcmp(mode, "segv") == 0) {
    volatile int *nowhere = (volatile int *)(uintptr_t)8;
    *nowhere = 1;
  } else if (strcmp(mode, "port80") == 0) {
    uint64_t r[7] = {MAGIC, 0, 10, 0x80, 0, 0, 0};
    bd_in(r);
    printf("port 0x80 answered\n");
  } else if (strcmp(mode, "fork") == 0 && argc == 3) {
    getversion(bd_in, "parent");
    pid_t child = fork();
    if (child == 0) {
      getversion(bd_in, "child");
      _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    execl(argv[2], argv[2], "in", (char *)NULL);
    return 1;
  } else if (strcmp(mode, "cpuid") == 0) {
    cpuid_sig(argc > 2 ? "exec'd" : "first");
    if (argc == 2) execl("/proc/self/exe", argv[0], "cpuid", "again", (char *)NULL);
  } else if (strcmp(mode, "safety") == 0 && argc == 3) return safety(argv[2]);
  else {
    fprintf(stderr, "trap-guest: unknown mode\n");
    return 2;
  }
  return 0;
}
