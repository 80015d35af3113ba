#ifndef SMARTFS_CCURL_SHIM_H
#define SMARTFS_CCURL_SHIM_H
#include <curl/curl.h>
#endif
