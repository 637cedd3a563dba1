//! Web-page boilerplate: the lines around an article copied from a zone's website that belong to
//! the page, not to the news — breadcrumbs, dates and view counts, share and print buttons,
//! previous/next links, copyright and ICP footers, link lists.
//!
//! Such lines name the site's sections (`首页 > 新闻中心 > 招商动态`) and unrelated articles
//! (`上一篇：高新区开展汛前安全检查`), so their words would vote for themes the article is not
//! about. With [`CleanSettings::web_boilerplate`](bulletin_core::CleanSettings) on, the pipeline
//! gives a line it recognises here no features at all. The test is made per line, on the
//! normalised line (simplified, half-width punctuation), so features stay additive over lines.
//!
//! A line is boilerplate when it is short (at most [`MAX_CHARS`] characters) and
//! - holds a footer marker ([`FOOTER_MARKERS`]: `版权所有`, `icp备`, `©`, …), or
//! - holds a page marker ([`MARKERS`]: `上一篇`, `浏览次数`, `分享到`, `发布时间:`, …) and no
//!   sentence punctuation (`。`, `!`, `?`, `;`): text copied from a web page often runs the title,
//!   the date line, the news and the share buttons into one line, and such a line is news, or
//! - starts with a metadata label ([`LABELS`]: `来源:`, `作者:`, `日期:`, …) and has no full stop, or
//! - is a breadcrumb: a path separator (`>`, `»`, `›`, `→`) with no sentence punctuation, or `/`,
//!   `|` or ` - ` separators around a site word ([`SITE_WORDS`]: `首页`, `新闻`, `动态`, …), or
//! - is made only of page buttons (`【打印】【关闭】`, `打印 关闭 顶部`).
//!
//! Statistical tables flattened into `|`-separated lines are kept: a `|` line is a breadcrumb only
//! with a site word and no digit.

/// Longest line (in chars) that can be boilerplate: page furniture is short, paragraphs are not.
pub const MAX_CHARS: usize = 100;

/// Substrings of site footers: a short line holding one is boilerplate even with a sentence in it
/// (`本站内容转载自网络,如有侵权请联系删除。`).
pub const FOOTER_MARKERS: &[&str] =
    &["版权所有", "icp备", "公网安备", "网站标识码", "技术支持:", "备案号", "如有侵权", "本站内容转载", "浏览器访问", "copyright", "©"];

/// Substrings of page furniture that may share a line with the news (a date line, view counts,
/// share and print buttons): a short line holding one is boilerplate unless it holds a sentence.
pub const MARKERS: &[&str] = &[
    "上一篇",
    "下一篇",
    "上一条",
    "下一条",
    "分享到",
    "打印本页",
    "打印本文",
    "打印此页",
    "列印本页",
    "【打印】",
    "[打印]",
    "关闭窗口",
    "【关闭】",
    "返回列表",
    "返回上一页",
    "返回顶部",
    "我要纠错",
    "收藏本页",
    "大 中 小",
    "字号:",
    "字体:",
    "浏览次数",
    "阅读次数",
    "浏览量",
    "阅读数",
    "阅读量",
    "点击数",
    "点击率",
    "点击:",
    "点阅次数",
    "浏览人次",
    "阅览:",
    "浏览:",
    "阅读:",
    "主办单位",
    "承办单位",
    "友情链接",
    "相关链接",
    "热门搜索",
    "热门搜寻",
    "推荐阅读",
    "相关阅读",
    "相关新闻",
    "最后修订日期",
    "发布时间:",
    "发布日期:",
    "发稿日期:",
    "更新时间:",
    "上线时间:",
];

/// Labels that start a metadata line (`来源:区科技局 2024-03-21`).
pub const LABELS: &[&str] =
    &["来源:", "信息来源:", "文章来源:", "作者:", "编辑:", "责任编辑:", "审核:", "发布者:", "发布:", "日期:", "时间:", "发布机构:"];

/// Words of site sections that breadcrumbs hold.
pub const SITE_WORDS: &[&str] = &["首页", "新闻", "正文", "动态", "要闻", "公告", "专栏", "位置", "门户", "网站"];

/// Buttons that a line may consist of alone.
const BUTTONS: &[&str] = &["打印", "关闭", "顶部", "返回", "收藏", "分享", "列印", "纠错"];

/// Whether a (normalised) line is web-page boilerplate; see the module docs for the rules.
///
/// ```
/// use bulletin_segmenter::is_web_boilerplate;
///
/// assert!(is_web_boilerplate("首页 > 新闻动态 > 招商动态"));
/// assert!(is_web_boilerplate("发布时间:2024-10-23 09:41 来源:管委会办公室 浏览次数:1276"));
/// assert!(is_web_boilerplate("上一篇:高新区开展汛前安全检查"));
/// assert!(!is_web_boilerplate("3月18日,高新区11个项目集中签约,协议总投资86.4亿元。"));
/// assert!(!is_web_boilerplate("指标 | 2023年 | 2024年 | 增长%"));
/// // Copied from a web page in one line: the news outweighs the date and the buttons.
/// assert!(!is_web_boilerplate("高新区首贷服务中心运行半年 2023-07-20 浏览量:935 63家企业获得首笔贷款。【打印】"));
/// ```
#[must_use]
pub fn is_web_boilerplate(line: &str) -> bool {
    let line = line.trim();
    if line.is_empty() || line.chars().nth(MAX_CHARS).is_some() {
        return false;
    }
    if FOOTER_MARKERS.iter().any(|m| line.contains(m)) {
        return true;
    }
    let sentence = line.contains(['。', '!', '?', ';', '！', '？', '；']);
    if !sentence && MARKERS.iter().any(|m| line.contains(m)) {
        return true;
    }
    let full_stop = line.contains('。');
    let label = line.trim_start_matches(['【', '[', '·', ' ']);
    if !full_stop && LABELS.iter().any(|l| label.starts_with(l)) {
        return true;
    }
    if !sentence && !line.contains(['，', ',']) {
        if line.contains(['>', '＞', '»', '›', '→']) {
            return true;
        }
        let site = SITE_WORDS.iter().any(|w| line.contains(w));
        let separators = line.matches(['/', '|', '｜']).count() + line.matches(" - ").count();
        if site && separators >= 1 && !line.contains(|c: char| c.is_ascii_digit()) {
            return true;
        }
    }
    only_buttons(line)
}

/// [`is_web_boilerplate`] on a line as the page gives it (for the splitter, which runs before
/// normalisation): the default character rules of the pipeline are applied first (full-width to
/// half-width, punctuation variants, ASCII lowercase).
pub(crate) fn is_raw_web_boilerplate(line: &str) -> bool {
    let line = line.trim();
    if line.is_empty() || line.chars().nth(MAX_CHARS).is_some() {
        return false;
    }
    is_web_boilerplate(&crate::normalize::map_chars(&bulletin_core::NormalizeSettings::default(), line))
}

/// A line made only of page buttons, brackets and spaces.
fn only_buttons(line: &str) -> bool {
    let mut rest = line;
    let mut any = false;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || "【】[]『』“”<>()（）|｜".contains(c));
        if rest.is_empty() {
            return any;
        }
        let Some(button) = BUTTONS.iter().find(|b| rest.starts_with(*b)) else { return false };
        rest = &rest[button.len()..];
        // `打印本页`, `关闭窗口`: a two-char tail is part of the button.
        for tail in ["本页", "本文", "此页", "窗口", "列表", "本頁"] {
            if let Some(r) = rest.strip_prefix(tail) {
                rest = r;
            }
        }
        any = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_furniture_is_boilerplate() {
        for line in [
            "首页 > 新闻动态 > 园区要闻",
            "首页 >> 新闻中心 >> 招商动态",
            "当前位置:首页 > 临江要闻",
            "湛江高新区 › 新闻中心 › 科技金融",
            "汕头高新区管委会官网 → 通知公告 → 科技创新",
            "首页 / 新闻资讯 / 科技动态",
            "清远高新区 | 党建园地 | 基层动态",
            "首页 - 新闻中心 - 高新动态",
            "发布时间:2024-10-23 09:41 来源:仙桃高新区管委会办公室 浏览次数:1276",
            "来源:吉安高新区应急管理办公室 发布日期:2022年7月5日",
            "时间:2023-03-28 来源:科技局 点击:688",
            "编辑:黄小凡 审核:陈伟",
            "【打印本页】 【关闭窗口】",
            "【打印】 【关闭】",
            "打印 关闭 顶部",
            "分享到:微信 微博 qq空间",
            "上一篇:大冶湖高新区开展汛前安全检查 下一篇:高新区召开党工委会议",
            "·上一条:高新区召开2019年度安全生产工作会议",
            "相关链接:仙桃市人民政府门户网站 | 湖北省科学技术厅 | 最新足球比分直播免费看",
            "主办单位:仙桃高新技术产业开发区管理委员会 鄂icp备17008352号-2",
            "版权所有:淮安高新区 技术支持:淮安云帆信息技术有限公司",
            "【字体:大 中 小】",
            "本站内容转载自网络,如有侵权请联系删除。",
            "copyright © 2024 某某高新区管委会 版权所有。",
        ] {
            assert!(is_web_boilerplate(line), "{line}");
        }
    }

    #[test]
    fn news_tables_and_lists_are_kept() {
        for line in [
            "3月18日上午,荆门高新区2025年一季度重点项目集中签约活动在区政务服务中心举行。",
            "指标 | 2023年 | 2024年 | 增长%",
            "规上工业产值 | 412.6 | 11.2",
            "研发→中试→产业化,这条链条在高新区跑通了。",
            "资金来源:区财政安排专项资金2000万元,用于支持企业研发。",
            "3d打印产业园今年新引进企业12家",
            "关于公布2023年度高新技术企业名单的通知",
            "龙岩高新区科技型中小企业评价入库数创新高 2023-12-20 今年全区已有246家企业完成评价入库。【返回顶部】",
            "上饶高新区以商招商结硕果 来源:上饶日报 今年已签约配套项目7个,总投资29亿元。发布时间:2024-05-08",
            "",
        ] {
            assert!(!is_web_boilerplate(line), "{line}");
        }
        let long = format!("上一篇{}", "高新区".repeat(40));
        assert!(!is_web_boilerplate(&long), "long lines are prose");
    }
}
