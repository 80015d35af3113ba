enum CachePlaceholder {}
