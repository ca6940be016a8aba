// 业委会 views.
export const committeeViews = []
