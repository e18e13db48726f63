#ifndef TWINWATCH_CCURL_SHIM_H
#define TWINWATCH_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt/getinfo are variadic: Swift cannot call them, so each argument type gets
   a typed wrapper. */
static inline CURLcode twinwatch_curl_setopt_long(CURL *h, CURLoption o, long v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode twinwatch_curl_setopt_string(CURL *h, CURLoption o, const char *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode twinwatch_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) {
    return curl_easy_setopt(h, o, v);
}
static inline CURLcode twinwatch_curl_setopt_pointer(CURL *h, CURLoption o, void *v) {
    return curl_easy_setopt(h, o, v);
}
typedef size_t (*twinwatch_curl_write_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode twinwatch_curl_setopt_write_function(CURL *h, CURLoption o, twinwatch_curl_write_cb f) {
    return curl_easy_setopt(h, o, f);
}
static inline CURLcode twinwatch_curl_getinfo_long(CURL *h, CURLINFO i, long *v) {
    return curl_easy_getinfo(h, i, v);
}
static inline CURLcode twinwatch_curl_getinfo_off_t(CURL *h, CURLINFO i, curl_off_t *v) {
    return curl_easy_getinfo(h, i, v);
}
/* CURLOPT_POSTFIELDSIZE_LARGE takes curl_off_t. */
static inline CURLcode twinwatch_curl_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) {
    return curl_easy_setopt(h, o, v);
}
/* CURLOPT_XFERINFOFUNCTION: called while a transfer runs; a non-zero return aborts it. */
typedef int (*twinwatch_curl_xferinfo_cb)(void *clientp, curl_off_t dltotal, curl_off_t dlnow,
                                          curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode twinwatch_curl_setopt_xferinfo_function(CURL *h, twinwatch_curl_xferinfo_cb f) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, f);
}
/* The result of a finished transfer sits in a union Swift reads awkwardly. */
static inline CURLcode twinwatch_curl_msg_result(const CURLMsg *m) {
    return m->data.result;
}
/* CURLVERSION_NOW is a macro Swift does not import. */
static inline curl_version_info_data *twinwatch_curl_version_info(void) {
    return curl_version_info(CURLVERSION_NOW);
}
#endif
