/*
 * kck-udp: the workload image's UDP server and client. Debian's busybox-static nc has no UDP
 * mode and this busybox has no udpsvd, so the image carries this instead. Built static by
 * udp-helper.ts (the image root has no libraries), libc only.
 *
 *   kck-udp serve PORT                   answer every datagram with the host name and "\n"
 *   kck-udp dial HOST PORT [TIMEOUT_MS]  send one datagram, print the reply (default 3000 ms);
 *                                        exit 1 when nothing comes back in time or the port
 *                                        is unreachable (ICMP), 2 on bad usage
 *
 * IPv4 and numeric addresses only: a static glibc cannot load the NSS modules a resolver
 * needs, and the kit's clusters are IPv4. The name is $HOSTNAME, else gethostname(), as the
 * workload script's name() does.
 *
 * serve replies from the address each datagram was sent to (IP_PKTINFO), not from whatever
 * source the route picks: a client's connected socket drops replies from any other address,
 * which matters when one host holds several addresses (the reference runtime's loopback mode
 * gives every Pod its own 127.x address).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static int usage(void) {
  fputs("usage: kck-udp serve PORT | kck-udp dial HOST PORT [TIMEOUT_MS]\n", stderr);
  return 2;
}

/* A decimal number in [min, max], else -1. */
static long number(const char *text, long min, long max) {
  char *end = NULL;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) return -1;
  return value;
}

static int serve(const char *port_text) {
  long port = number(port_text, 1, 65535);
  if (port < 0) return usage();

  char reply[256];
  const char *env = getenv("HOSTNAME");
  if (env != NULL && env[0] != '\0') snprintf(reply, sizeof reply - 1, "%s", env);
  else if (gethostname(reply, sizeof reply - 1) != 0) snprintf(reply, sizeof reply - 1, "unknown");
  reply[sizeof reply - 2] = '\0';
  size_t reply_len = strlen(reply);
  reply[reply_len++] = '\n';

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) { perror("kck-udp serve: socket"); return 1; }
  int on = 1;
  if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) != 0) { perror("kck-udp serve: IP_PKTINFO"); return 1; }
  struct sockaddr_in local = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port), .sin_addr = { htonl(INADDR_ANY) } };
  if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) { fprintf(stderr, "kck-udp serve: bind udp %ld: %s\n", port, strerror(errno)); return 1; }

  for (;;) {
    char buf[2048];
    struct sockaddr_in peer;
    union { char space[CMSG_SPACE(sizeof(struct in_pktinfo))]; struct cmsghdr align; } control;
    struct iovec in_iov = { .iov_base = buf, .iov_len = sizeof buf };
    struct msghdr in = { .msg_name = &peer, .msg_namelen = sizeof peer, .msg_iov = &in_iov, .msg_iovlen = 1,
                         .msg_control = control.space, .msg_controllen = sizeof control.space };
    if (recvmsg(fd, &in, 0) < 0) {
      if (errno == EINTR) continue;
      perror("kck-udp serve: recvmsg");
      return 1;
    }
    struct in_pktinfo *info = NULL;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&in); c != NULL; c = CMSG_NXTHDR(&in, c))
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) info = (struct in_pktinfo *)CMSG_DATA(c);

    union { char space[CMSG_SPACE(sizeof(struct in_pktinfo))]; struct cmsghdr align; } out_control;
    memset(&out_control, 0, sizeof out_control);
    struct iovec out_iov = { .iov_base = reply, .iov_len = reply_len };
    struct msghdr out = { .msg_name = &peer, .msg_namelen = in.msg_namelen, .msg_iov = &out_iov, .msg_iovlen = 1 };
    if (info != NULL) {
      out.msg_control = out_control.space;
      out.msg_controllen = sizeof out_control.space;
      struct cmsghdr *c = CMSG_FIRSTHDR(&out);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
      /* Source = the address the datagram was sent to; let the route pick the interface. */
      struct in_pktinfo source = { .ipi_ifindex = 0, .ipi_spec_dst = info->ipi_addr };
      memcpy(CMSG_DATA(c), &source, sizeof source);
    }
    /* A client that went away is no reason to stop serving the others. */
    if (sendmsg(fd, &out, 0) < 0 && errno != EINTR) fprintf(stderr, "kck-udp serve: reply to %s: %s\n", inet_ntoa(peer.sin_addr), strerror(errno));
  }
}

static int dial(const char *host, const char *port_text, const char *timeout_text) {
  long port = number(port_text, 1, 65535);
  long timeout_ms = timeout_text == NULL ? 3000 : number(timeout_text, 1, 3600000);
  struct sockaddr_in remote = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
  if (port < 0 || timeout_ms < 0) return usage();
  if (inet_pton(AF_INET, host, &remote.sin_addr) != 1) { fprintf(stderr, "kck-udp dial: %s is not an IPv4 address\n", host); return 2; }

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) { perror("kck-udp dial: socket"); return 1; }
  /* Connected: only the server's replies are read, and an ICMP port unreachable fails recv. */
  if (connect(fd, (struct sockaddr *)&remote, sizeof remote) != 0) { fprintf(stderr, "kck-udp dial %s:%ld: %s\n", host, port, strerror(errno)); return 1; }
  static const char hello[] = "kck-udp\n";
  if (send(fd, hello, sizeof hello - 1, 0) < 0) { fprintf(stderr, "kck-udp dial %s:%ld: send: %s\n", host, port, strerror(errno)); return 1; }

  struct pollfd p = { .fd = fd, .events = POLLIN };
  int ready;
  do ready = poll(&p, 1, (int)timeout_ms); while (ready < 0 && errno == EINTR);
  if (ready == 0) { fprintf(stderr, "kck-udp dial %s:%ld: no reply within %ld ms\n", host, port, timeout_ms); return 1; }
  char buf[2048];
  ssize_t n = ready < 0 ? -1 : recv(fd, buf, sizeof buf, 0);
  if (n < 0) { fprintf(stderr, "kck-udp dial %s:%ld: %s\n", host, port, strerror(errno)); return 1; }
  fwrite(buf, 1, (size_t)n, stdout);
  if (n == 0 || buf[n - 1] != '\n') fputc('\n', stdout);
  return fflush(stdout) == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2]);
  if ((argc == 4 || argc == 5) && strcmp(argv[1], "dial") == 0) return dial(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
  return usage();
}
