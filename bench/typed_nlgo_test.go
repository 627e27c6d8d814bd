package bench

// typedImpls is this module's typed link dump (family/rtlink).
func typedImpls() []typedImpl { return nil }
