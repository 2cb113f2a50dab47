"""The message catalogue of the human-readable reports: every UI string in Chinese (default) and English.

Templates and renderers never hold literal UI text; they ask ``t(lang, key)``. An unknown key raises, so a
report can never show a raw key, and a test checks both languages have exactly the same keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from appscan.errors import ReportError
from appscan.model import Text

__all__ = ["DEFAULT_LANG", "LANGS", "MESSAGES", "label", "pick", "t", "text"]

DEFAULT_LANG = "zh"
LANGS = ("zh", "en")

_ZH: dict[str, str] = {
    "html.lang": "zh-CN",
    "report.title": "App 个人信息保护合规检测报告",
    "report.subtitle": "静态分析结果（未运行应用）",
    "report.generated_by": "由 appscan {version} 生成",
    "action.print": "打印",
    "nav.contents": "目录",
    "section.verdict": "检测结论",
    "section.top": "最需关注的问题",
    "section.checklist": "整改清单（按条款）",
    "section.collection": "个人信息收集清单（草稿）",
    "section.sharing": "第三方信息共享清单（草稿）",
    "section.permissions": "权限使用情况",
    "section.sdks": "第三方 SDK 清单",
    "section.startup": "启动阶段收集的调用路径",
    "section.security": "安全问题",
    "section.meta": "扫描信息",
    "section.findings": "全部问题",
    "verdict.rule": ("判定规则（依次适用，先满足者定论）：1. 存在高危问题且由实际运行的代码证实（已调用或启动可达，"
                     "不含需人工确认的问题），判为“高风险”；2. 有代码未能分析（DEX 无法读取、超时未读、加固壳、"
                     "应有代码却无 DEX），判为“不能判定，需人工复核”，绝不判为“通过”；3. 存在其他高危或中危问题，"
                     "判为“需整改”；4. 否则判为“通过”。严重程度按“数据敏感程度 × 收集方 × 收集时机”一张表确定。"
                     "新增问题只会使结论不变或变差。"),
    "verdict.counts": "问题数量",
    "verdict.decided_by": "判定依据：{rule}",
    "verdict.unanalysed": "未能分析的代码：{items}（结论仅以已分析部分为据）",
    "top.order": ("按重要程度排序：先列由运行代码证实的高危问题，再按严重程度、证据等级（启动可达、已调用、已声明、"
                  "存在）排列，需人工确认的问题排在同级之后；不含“提示”级。"),
    "severity.high": "高危",
    "severity.medium": "中危",
    "severity.low": "低危",
    "severity.info": "提示",
    "level.present": "存在",
    "level.declared": "已声明",
    "level.called": "有调用",
    "level.reachable": "启动可达",
    "filter.title": "筛选",
    "filter.severity": "严重程度",
    "filter.clause": "条款",
    "filter.all": "全部",
    "filter.shown": "显示 {shown} / {total} 项",
    "col.severity": "严重程度",
    "col.rule": "规则",
    "col.issue": "问题",
    "col.where": "位置",
    "col.evidence": "证据",
    "col.advice": "整改建议",
    "col.clauses": "条款",
    "col.level": "证据等级",
    "col.data_type": "个人信息类型",
    "col.collector": "收集方",
    "col.api_evidence": "接口证据",
    "col.startup": "启动时收集",
    "col.sdk": "SDK",
    "col.vendor": "提供方",
    "col.category": "类别",
    "col.region": "地区",
    "col.version": "版本",
    "col.data_collected": "收集的个人信息",
    "col.permission": "权限",
    "col.protection": "保护级别",
    "col.status": "使用情况",
    "col.used_by": "使用方 SDK",
    "col.calls": "调用数",
    "col.entry": "入口",
    "col.path": "调用路径",
    "col.api": "敏感接口",
    "col.id": "问题 ID",
    "col.count": "数量",
    "col.item": "项目",
    "col.value": "值",
    "col.reason": "原因",
    "clause.no_title": "（规则集中无此条款标题）",
    "clause.none": "未关联条款",
    "finding.manual": "需人工确认",
    "finding.sdk": "相关 SDK：{name}",
    "evidence.more": "另有 {count} 条证据未列出",
    "list.more": "另有 {count} 项",
    "collector.app": "应用自身代码",
    "startup.yes": "是",
    "startup.no": "否",
    "startup.unknown": "未知（未构建调用图）",
    "published.note": "SDK 公开声明（代码中未见）：",
    "draft.note": "本清单由静态分析自动生成，仅供起草参考；发布前请结合业务实际逐项核对收集目的、方式和范围。",
    "perm.app": "应用自身使用",
    "perm.sdk-only": "仅第三方 SDK 使用",
    "perm.unused": "已声明但未使用",
    "perm.undeclared": "代码使用但未声明",
    "region.cn": "中国境内",
    "region.global": "境外",
    "kind.package": "代码包",
    "kind.component": "组件",
    "kind.native-lib": "原生库",
    "kind.asset": "资源文件",
    "kind.meta-data": "meta-data",
    "kind.call": "调用",
    "kind.field": "字段",
    "kind.string": "字符串",
    "kind.permission": "权限",
    "kind.manifest": "清单",
    "kind.path": "路径",
    "kind.config": "配置",
    "kind.signature": "签名",
    "kind.note": "说明",
    "kind.file": "文件",
    "entry.application": "Application 启动",
    "entry.provider": "ContentProvider 初始化",
    "entry.startup-initializer": "androidx.startup 初始化器",
    "entry.launcher": "启动页 Activity",
    "entry.receiver": "广播接收器",
    "entry.service": "后台服务",
    "entry.job": "JobScheduler 任务",
    "entry.worker": "WorkManager 任务",
    "entry.timer": "定时任务",
    "empty.none": "无",
    "empty.no_graph": "未构建调用图，无法判断启动阶段的收集行为。",
    "meta.source": "输入文件",
    "meta.package": "包名",
    "meta.label": "应用名称",
    "meta.version": "版本",
    "meta.sdk_levels": "minSdk / targetSdk",
    "meta.sha256": "SHA-256",
    "meta.signing": "签名",
    "meta.tool": "工具版本",
    "meta.ruleset": "规则集",
    "meta.app_type": "应用类型",
    "meta.duration": "扫描耗时",
    "meta.seconds": "{seconds} 秒",
    "meta.incomplete": "未能完整分析的部分",
    "meta.complete": "全部内容均已分析",
    "footer.disclaimer": ("本报告基于对安装包的静态分析，不代表监管部门的检测结论；标注“需人工确认”的问题须结合"
                          "实际运行情况判断。"),
    "md.title": "appscan 检测结果：{app}",
    "md.more": "另有 {count} 个问题，详见 HTML 报告。",
    "md.summary": "{findings} 个问题，{sdks} 个第三方 SDK，{data} 类个人信息收集",
    "sheet.summary": "概览",
    "sheet.findings": "问题",
    "sheet.collection": "个人信息收集清单",
    "sheet.sharing": "第三方信息共享清单",
    "sheet.permissions": "权限",
    "sheet.sdks": "SDK",
    "sheet.paths": "调用路径",
}

_EN: dict[str, str] = {
    "html.lang": "en",
    "report.title": "App personal-information compliance report",
    "report.subtitle": "Static analysis (the app was not run)",
    "report.generated_by": "Generated by appscan {version}",
    "action.print": "Print",
    "nav.contents": "Contents",
    "section.verdict": "Verdict",
    "section.checklist": "Rectification checklist (by clause)",
    "section.collection": "Personal-information collection list (draft)",
    "section.sharing": "Third-party sharing list (draft)",
    "section.permissions": "Permission usage",
    "section.sdks": "Third-party SDK inventory",
    "section.startup": "Call paths of start-up collection",
    "section.security": "Security findings",
    "section.meta": "Scan information",
    "section.findings": "All findings",
    "verdict.rule": ("Rules, first match wins: 1. a high-severity finding backed by code that runs (called or "
                     "reachable, not left to manual confirmation) makes the app High risk; 2. code that could not be "
                     "analysed (an unreadable dex, a dex cut by the time limit, a packer stub, no dex in an app with "
                     "its own classes) makes it Undetermined, never Pass; 3. any other high or medium finding means "
                     "Needs rectification; 4. otherwise Pass. Severity follows one table: data sensitivity x who "
                     "collects x when. Adding a finding never improves the verdict."),
    "verdict.decided_by": "Decided by: {rule}",
    "verdict.unanalysed": "Code not analysed: {items} (the verdict rests on the analysed part only)",
    "top.order": ("Ordered by importance: high findings backed by running code first, then by severity and by "
                  "evidence level (reachable, called, declared, present), findings needing manual confirmation after "
                  "the others of their level; info notes left out."),
    "section.top": "Findings that matter most",
    "verdict.counts": "Findings",
    "severity.high": "High",
    "severity.medium": "Medium",
    "severity.low": "Low",
    "severity.info": "Info",
    "level.present": "present",
    "level.declared": "declared",
    "level.called": "called",
    "level.reachable": "reachable at start-up",
    "filter.title": "Filter",
    "filter.severity": "Severity",
    "filter.clause": "Clause",
    "filter.all": "All",
    "filter.shown": "Showing {shown} of {total}",
    "col.severity": "Severity",
    "col.rule": "Rule",
    "col.issue": "Issue",
    "col.where": "Where",
    "col.evidence": "Evidence",
    "col.advice": "How to fix",
    "col.clauses": "Clauses",
    "col.level": "Evidence level",
    "col.data_type": "Data type",
    "col.collector": "Collected by",
    "col.api_evidence": "API evidence",
    "col.startup": "At start-up",
    "col.sdk": "SDK",
    "col.vendor": "Vendor",
    "col.category": "Category",
    "col.region": "Region",
    "col.version": "Version",
    "col.data_collected": "Personal data collected",
    "col.permission": "Permission",
    "col.protection": "Protection level",
    "col.status": "Usage",
    "col.used_by": "Used by SDKs",
    "col.calls": "Calls",
    "col.entry": "Entry point",
    "col.path": "Call path",
    "col.api": "Sensitive API",
    "col.id": "Finding id",
    "col.count": "Count",
    "col.item": "Item",
    "col.value": "Value",
    "col.reason": "Reason",
    "clause.no_title": "(clause title not in the ruleset)",
    "clause.none": "No clause",
    "finding.manual": "Needs manual confirmation",
    "finding.sdk": "SDK: {name}",
    "evidence.more": "{count} more evidence items not listed",
    "list.more": "{count} more",
    "collector.app": "The app's own code",
    "startup.yes": "Yes",
    "startup.no": "No",
    "startup.unknown": "Unknown (no call graph)",
    "published.note": "Published by the vendor (not seen in code): ",
    "draft.note": ("This list is generated by static analysis as a starting point: check each purpose, method and "
                   "scope against the app's real behaviour before publishing it."),
    "perm.app": "Used by the app",
    "perm.sdk-only": "Used only by third-party SDKs",
    "perm.unused": "Declared, not used",
    "perm.undeclared": "Used by code, not declared",
    "region.cn": "Mainland China",
    "region.global": "Outside China",
    "kind.package": "package",
    "kind.component": "component",
    "kind.native-lib": "native library",
    "kind.asset": "asset",
    "kind.meta-data": "meta-data",
    "kind.call": "call",
    "kind.field": "field",
    "kind.string": "string",
    "kind.permission": "permission",
    "kind.manifest": "manifest",
    "kind.path": "path",
    "kind.config": "config",
    "kind.signature": "signature",
    "kind.note": "note",
    "kind.file": "file",
    "entry.application": "Application start-up",
    "entry.provider": "ContentProvider onCreate",
    "entry.startup-initializer": "androidx.startup initializer",
    "entry.launcher": "Launcher activity",
    "entry.receiver": "Broadcast receiver",
    "entry.service": "Service",
    "entry.job": "JobScheduler job",
    "entry.worker": "WorkManager worker",
    "entry.timer": "Timer",
    "empty.none": "None",
    "empty.no_graph": "No call graph was built, so start-up collection could not be assessed.",
    "meta.source": "Input file",
    "meta.package": "Package",
    "meta.label": "App name",
    "meta.version": "Version",
    "meta.sdk_levels": "minSdk / targetSdk",
    "meta.sha256": "SHA-256",
    "meta.signing": "Signing",
    "meta.tool": "Tool version",
    "meta.ruleset": "Ruleset",
    "meta.app_type": "App type",
    "meta.duration": "Scan duration",
    "meta.seconds": "{seconds} s",
    "meta.incomplete": "Not fully analysed",
    "meta.complete": "Everything was analysed",
    "footer.disclaimer": ("This report comes from static analysis of the package; it is not a regulator's test "
                          "result. Findings marked for manual confirmation must be checked on the running app."),
    "md.title": "appscan result: {app}",
    "md.more": "{count} more findings: see the HTML report.",
    "md.summary": "{findings} findings, {sdks} third-party SDKs, {data} kinds of personal data collected",
    "sheet.summary": "Summary",
    "sheet.findings": "Findings",
    "sheet.collection": "Collection list",
    "sheet.sharing": "Sharing list",
    "sheet.permissions": "Permissions",
    "sheet.sdks": "SDKs",
    "sheet.paths": "Call paths",
}

MESSAGES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {"zh": MappingProxyType(_ZH), "en": MappingProxyType(_EN)})


def t(lang: str, key: str, **values: object) -> str:
    """The message ``key`` in ``lang``, with ``{placeholders}`` filled; an unknown key or language raises."""
    try:
        message = MESSAGES[lang][key]
    except KeyError:
        raise ReportError(f"no {lang!r} message for {key!r}") from None
    return message.format(**values) if values else message


def text(key: str) -> Text:
    """A message in both languages, for values that travel language-neutral (the report view)."""
    return Text(t("zh", key), t("en", key))


def pick(value: Text, lang: str) -> str:
    """The ``lang`` side of a bilingual text."""
    return value.zh if lang == "zh" else value.en


def label(lang: str, prefix: str, code: str) -> str:
    """The catalogue name of an open-ended code (an evidence kind, a region), or the code itself when the
    catalogue has none: such codes are data, so showing one raw is correct, never a missing translation."""
    return MESSAGES[lang].get(f"{prefix}.{code}", code)
