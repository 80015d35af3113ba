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

// libfuse3's high-level API, at FUSE_USE_VERSION 31. fuse_new and fuse_loop_mt are macros
// over versioned symbols, so Swift calls them through these wrappers.
#define FUSE_USE_VERSION 31
#include <fuse3/fuse.h>

struct fuse *smartfs_fuse_new(struct fuse_args *args, const struct fuse_operations *operations, void *private_data);

// The multi-threaded loop with at most `max_threads` worker threads.
int smartfs_fuse_loop_mt(struct fuse *fuse, unsigned int max_threads);

// fuse_get_context()->private_data, uid and gid.
void *smartfs_fuse_private_data(void);
unsigned int smartfs_fuse_caller_uid(void);
unsigned int smartfs_fuse_caller_gid(void);

#endif
