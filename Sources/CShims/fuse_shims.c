#include "CShims.h"

// Declared by fuse.h only for FUSE_USE_VERSION >= 312; exported by libfuse3 >= 3.12.
int fuse_loop_mt_312(struct fuse *f, struct fuse_loop_config *config);

struct fuse *smartfs_fuse_new(struct fuse_args *args, const struct fuse_operations *operations, void *private_data) {
    return fuse_new(args, operations, sizeof(*operations), private_data);
}

int smartfs_fuse_loop_mt(struct fuse *fuse, unsigned int max_threads) {
    struct fuse_loop_config *config = fuse_loop_cfg_create();
    if (config == NULL) return -1;
    fuse_loop_cfg_set_max_threads(config, max_threads);
    fuse_loop_cfg_set_idle_threads(config, max_threads / 2);
    int result = fuse_loop_mt_312(fuse, config);
    fuse_loop_cfg_destroy(config);
    return result;
}

void *smartfs_fuse_private_data(void) {
    struct fuse_context *context = fuse_get_context();
    return context ? context->private_data : NULL;
}

unsigned int smartfs_fuse_caller_uid(void) {
    struct fuse_context *context = fuse_get_context();
    return context ? context->uid : 0;
}

unsigned int smartfs_fuse_caller_gid(void) {
    struct fuse_context *context = fuse_get_context();
    return context ? context->gid : 0;
}
