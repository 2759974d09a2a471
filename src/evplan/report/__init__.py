"""Reports people would rather look at: the offline HTML report and Excel in and out."""
