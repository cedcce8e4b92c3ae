/*
 * LD_PRELOAD shim that makes a server bind loopback instead of "any address".
 *
 * Why: Debian's Orthanc 1.10 has no option for the address it listens on. `HttpBindAddress` and
 * `DicomBindAddress` are not Orthanc settings (Orthanc ignores unknown keys silently), CivetWeb is handed the bare
 * `HttpPort`, and DCMTK's SCP binds INADDR_ANY; `RemoteAccessAllowed: false` only refuses remote HTTP requests
 * after accepting their connection (and does nothing for the DICOM port). So both ports listened on 0.0.0.0.
 * stack.sh builds this file with the system C compiler and preloads it into Orthanc alone.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

typedef int (*bind_function)(int, const struct sockaddr *, socklen_t);

int bind(int fd, const struct sockaddr *address, socklen_t length) {
  static bind_function real_bind;
  if (!real_bind) real_bind = (bind_function)dlsym(RTLD_NEXT, "bind");
  if (address && address->sa_family == AF_INET && length >= (socklen_t)sizeof(struct sockaddr_in)) {
    struct sockaddr_in loopback;
    memcpy(&loopback, address, sizeof loopback);
    if (loopback.sin_addr.s_addr == htonl(INADDR_ANY)) {
      loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      return real_bind(fd, (const struct sockaddr *)&loopback, sizeof loopback);
    }
  } else if (address && address->sa_family == AF_INET6 && length >= (socklen_t)sizeof(struct sockaddr_in6)) {
    struct sockaddr_in6 loopback;
    memcpy(&loopback, address, sizeof loopback);
    if (memcmp(&loopback.sin6_addr, &in6addr_any, sizeof in6addr_any) == 0) {
      loopback.sin6_addr = in6addr_loopback;
      return real_bind(fd, (const struct sockaddr *)&loopback, sizeof loopback);
    }
  }
  return real_bind(fd, address, length);
}
