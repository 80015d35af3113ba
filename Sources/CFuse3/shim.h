#ifndef SMARTFS_CFUSE3_SHIM_H
#define SMARTFS_CFUSE3_SHIM_H
#define FUSE_USE_VERSION 31
#include <fuse3/fuse.h>
#endif
