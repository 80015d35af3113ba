enum FUSEAdapterPlaceholder {}
