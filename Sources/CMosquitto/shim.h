#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <setjmp.h>
#include <stdbool.h>

/* Calls into libmosquitto that a broker can make abort, guarded (the escape is CShims', see cshims.h).
   libmosquitto 2.0.11 (Debian 12) asserts a handle in log__printf (lib/logging_mosq.c) that property__read does not
   pass: an MQTT 5 packet from the broker holding a property identifier libmosquitto does not know aborted the
   daemon (hardening 3, finding 4; upstream's property_mosq.c still logs with no handle there). send__publish does
   the same for a message over the broker's Maximum Packet Size. Each guard returns CC_MOSQ_ESCAPED instead; the
   handle is then in an unknown state, and the caller resets it. */
extern __thread sigjmp_buf *cc_assert_escape;
extern __thread const char *cc_assert_escape_file;
#define CC_MOSQ_ESCAPED (-100)
#define CC_MOSQ_GUARD(call) \
    sigjmp_buf env; \
    sigjmp_buf *volatile outer = cc_assert_escape; \
    const char *volatile outerFile = cc_assert_escape_file; \
    if (sigsetjmp(env, 0)) { cc_assert_escape = outer; cc_assert_escape_file = outerFile; return CC_MOSQ_ESCAPED; } \
    cc_assert_escape = &env; \
    cc_assert_escape_file = "lib/logging_mosq.c"; \
    int rc = (call); \
    cc_assert_escape = outer; \
    cc_assert_escape_file = outerFile; \
    return rc;

static inline int cc_mosquitto_loop_read(struct mosquitto *m) { CC_MOSQ_GUARD(mosquitto_loop_read(m, 1)) }
static inline int cc_mosquitto_loop_write(struct mosquitto *m) { CC_MOSQ_GUARD(mosquitto_loop_write(m, 1)) }
static inline int cc_mosquitto_loop_misc(struct mosquitto *m) { CC_MOSQ_GUARD(mosquitto_loop_misc(m)) }
static inline int cc_mosquitto_publish_v5(struct mosquitto *m, int *mid, const char *topic, int length, const void *payload, int qos,
                                          bool retain) {
    CC_MOSQ_GUARD(mosquitto_publish_v5(m, mid, topic, length, payload, qos, retain, NULL))
}
static inline int cc_mosquitto_subscribe_v5(struct mosquitto *m, const char *pattern, int qos) {
    CC_MOSQ_GUARD(mosquitto_subscribe_v5(m, NULL, pattern, qos, 0, NULL))
}
