//! The page's frame: the head with its safety policy and style, the
//! heading with the run's input, policy and date, the footer.

use std::fmt::Write as _;

use super::*;

impl Page<'_> {
    pub(super) fn head(&mut self, report: &Report) {
        let lang = self.lang.code();
        let title = escaped(self.t(L::Title));
        let _ = write!(
            self.out,
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"layak {version}\">\n<title>{title} – ",
            version = env!("CARGO_PKG_VERSION"),
        );
        push_escaped(&mut self.out, &report.policy.id);
        let _ = write!(
            self.out,
            "</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n"
        );
    }

    pub(super) fn header(&mut self, report: &Report) {
        let p = &report.policy;
        let _ = write!(
            self.out,
            "<header><h1>{}</h1><dl class=\"meta\"><dt>{}</dt><dd class=\"input\">",
            escaped(self.t(L::Title)),
            escaped(self.t(L::InputFile))
        );
        push_input_text(&mut self.out, &report.input.file);
        let _ = write!(self.out, "</dd><dt>{}</dt><dd>", escaped(self.t(L::Policy)));
        push_escaped(&mut self.out, &p.id);
        let _ = write!(self.out, " {} ", escaped(self.t(L::Version)));
        push_escaped(&mut self.out, &p.version);
        let _ = write!(self.out, " ({} <code>", escaped(self.t(L::Fingerprint)));
        push_escaped(&mut self.out, &p.hash);
        let _ = write!(
            self.out,
            "</code>)</dd><dt>{}</dt><dd><time datetime=\"{}\">{}</time></dd>\
<dt>{}</dt><dd>layak {}</dd></dl>",
            escaped(self.t(L::AsOf)),
            escaped(&p.as_of),
            escaped(&self.lang.date(&p.as_of)),
            escaped(self.t(L::MadeBy)),
            env!("CARGO_PKG_VERSION"),
        );
        if let Some(w) = &report.weight {
            let scale = serde_json::to_string(&w.scale).unwrap_or_default();
            let _ = write!(
                self.out,
                "<p class=\"notice\"><strong>{}</strong>: {} <code>",
                escaped(self.t(L::EstimatedPopulation)),
                escaped(self.t(L::WeightedBy)),
            );
            push_input_text(&mut self.out, &w.column);
            self.out.push_str("</code>");
            if scale != "1" {
                let _ = write!(self.out, " × {}", escaped(&scale));
            }
            let _ = write!(self.out, ", {} ", escaped(self.t(L::FromSample)));
            let households = self.lang.count(report.total.sample_households.unwrap_or(0));
            self.number("total.sample_households", &households);
            let _ = write!(
                self.out,
                " {}",
                escaped(&self.t(L::Households).to_lowercase())
            );
            if let Some(p) = report.total.sample_persons.flatten() {
                self.out.push_str(" (");
                let shown = self.lang.count(p);
                self.number("total.sample_persons", &shown);
                let _ = write!(
                    self.out,
                    " {})",
                    escaped(&self.t(L::Persons).to_lowercase())
                );
            }
            let _ = write!(self.out, ". {}</p>", escaped(self.t(L::SampleRows)));
        }
        self.out.push_str("</header>\n<main>\n");
    }

    pub(super) fn foot(&mut self) {
        let _ = write!(
            self.out,
            "</main>\n<footer><p>{}</p></footer>\n</body>\n</html>\n",
            escaped(self.t(L::Footnote))
        );
    }
}
