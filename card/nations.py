"""Nation codes of GB/T 3304 (as printed on the resident ID card) and sex codes of
GB/T 2261.1."""

from __future__ import annotations

_NAMES_TEXT = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 "
    "高山 拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 "
    "普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 "
    "珞巴 基诺"
)
_NAMES = _NAMES_TEXT.split(" ")

NATIONS: dict[int, str] = {i + 1: name for i, name in enumerate(_NAMES)}
NATIONS[97] = "其他"
NATIONS[98] = "外国血统中国籍人士"

SEXES: dict[str, str] = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}


def nation_name(code: int) -> str:
    """The Chinese name for a nation code; unknown codes are kept visible as digits."""
    return NATIONS.get(code, f"{code:02d}")


def nation_code(name: str) -> int:
    for code, known in NATIONS.items():
        if known == name:
            return code
    raise KeyError(name)


def sex_name(code: str) -> str:
    return SEXES.get(code.strip(), "未知")


def sex_code(name: str) -> str:
    for code, known in SEXES.items():
        if known == name:
            return code
    raise KeyError(name)
