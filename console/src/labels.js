// Enum codes of the API in Chinese (the schema states them in its descriptions; one map here).
export const LABELS = {
  // 管理模式
  PROFESSIONAL: '专业化物业服务',
  UNMANAGED: '无物业',
}
