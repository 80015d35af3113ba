// Wrappers for the C APIs Swift cannot call directly: variadic functions and macros.
#ifndef SMARTFS_CSHIMS_H
#define SMARTFS_CSHIMS_H

#include <curl/curl.h>
#include <stddef.h>

// curl_easy_setopt is variadic; one wrapper per argument type.
CURLcode smartfs_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode smartfs_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value);
CURLcode smartfs_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode smartfs_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);

typedef size_t (*smartfs_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
CURLcode smartfs_curl_setopt_callback(CURL *handle, CURLoption option, smartfs_curl_data_callback callback);

// curl_easy_getinfo is variadic too.
CURLcode smartfs_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode smartfs_curl_getinfo_double(CURL *handle, CURLINFO info, double *value);

// CURL_READFUNC_ABORT is a macro.
size_t smartfs_curl_readfunc_abort(void);

#endif
