// 住建 (district regulator) views.
export const regulatorViews = []
