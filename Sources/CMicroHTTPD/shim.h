#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>

/* MHD_start_daemon is variadic, which Swift cannot call: one wrapper with the options coldchain-web sets, as an
   MHD_OPTION_ARRAY. An internal polling thread and a thread per connection (a handler may wait on the control
   socket), bound to one IPv4 address, with the connection limits, the idle timeout and the per-connection memory
   (which bounds the request's headers); TLS through GnuTLS from PEM text when a certificate and key are given. */
static inline struct MHD_Daemon *cc_mhd_start(const char *ipv4, uint16_t port, MHD_AccessHandlerCallback handler, void *context,
                                              MHD_RequestCompletedCallback completed, unsigned int connections, unsigned int per_address, unsigned int idle_seconds,
                                              size_t memory, const char *cert_pem, const char *key_pem) {
    struct sockaddr_in local;
    memset(&local, 0, sizeof local);
    local.sin_family = AF_INET;
    local.sin_port = htons(port);
    if (inet_pton(AF_INET, ipv4, &local.sin_addr) != 1) return NULL;
    struct MHD_OptionItem options[12];
    int n = 0;
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0, &local };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)connections, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)per_address, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)idle_seconds, NULL };
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)memory, NULL };
    /* Frees the request's state (its body so far) however the request ended. */
    options[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed, context };
    /* No MHD_USE_ERROR_LOG: it wrote a line per refused connection, 996 lines for one flood, into the journal. */
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (cert_pem && key_pem) {
        flags |= MHD_USE_TLS;
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)cert_pem };
        options[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key_pem };
    }
    options[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
    return MHD_start_daemon(flags, port, NULL, NULL, handler, context, MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

/* The port the daemon listens on (when 0 was asked for). */
static inline uint16_t cc_mhd_port(struct MHD_Daemon *d) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

/* The client's IPv4 address as text into out (INET_ADDRSTRLEN bytes); "" when it is not IPv4. */
static inline void cc_mhd_client(struct MHD_Connection *c, char *out, size_t size) {
    out[0] = 0;
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!info || !info->client_addr || info->client_addr->sa_family != AF_INET) return;
    const struct sockaddr_in *in = (const struct sockaddr_in *)info->client_addr;
    inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)size);
}

/* A response whose body comes from a reader callback, of unknown length (sent chunked): Server-Sent Events. */
static inline struct MHD_Response *cc_mhd_stream(size_t block, MHD_ContentReaderCallback reader, void *cls,
                                                 MHD_ContentReaderFreeCallback done) {
    return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, block, reader, cls, done);
}
