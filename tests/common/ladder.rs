//! A small course with the whole certification ladder (one module per path), written to a
//! temporary directory, for certification tests.

use std::path::{Path, PathBuf};

const PATHS: [(&str, &str, &str, bool); 4] = [
    ("foundation", "f1", "Foundation Module", false),
    ("professional", "p1", "Professional Module", false),
    ("expert", "e1", "Expert Module", false),
    ("django", "d1", "Django Module", true),
];

pub fn write(dir: &Path) -> PathBuf {
    let c = dir.join("ladder-content");
    std::fs::create_dir_all(c.join("modules")).unwrap();
    std::fs::create_dir_all(c.join("questions")).unwrap();
    let mut course = String::from("[course]\ntitle = \"Ladder\"\n\n");
    for (i, (p, m, title, specialist)) in PATHS.iter().enumerate() {
        course.push_str(&format!(
            "[[paths]]\nid = \"{p}\"\ntitle = \"{p} path\"\nlevel = \"L{i}\"\nspecialist = {specialist}\npass_mark = 70\ncapstone = \"Project {p}\"\nmodules = [{{ id = \"{m}\", number = 1, title = \"{title}\", quiz_size = 3 }}]\n\n"
        ));
        std::fs::write(
            c.join(format!("modules/{m}.md")),
            format!("+++\nid = \"{m}\"\ntitle = \"{title}\"\npath = \"{p}\"\nobjectives = [\"o\"]\nactivities = [\"a\"]\nassessment = [\"q\"]\n+++\n\n# {title}\n\n## Topic {m}\n\nText about {m} and brokers.\n\n## Capstone project: Project {p}\n\nBuild it.\n"),
        )
        .unwrap();
        let mut q = format!("module = \"{m}\"\n");
        for n in 1..=3 {
            q.push_str(&format!(
                "\n[[questions]]\nid = \"{m}-00{n}\"\ntype = \"multiple_choice\"\ntopic = \"Topic {m}\"\nprompt = \"Question {n} of {m}?\"\nchoices = [\"wrong\", \"right\", \"also wrong\"]\nanswer = 1\nexplanation = \"Because.\"\n"
            ));
        }
        std::fs::write(c.join(format!("questions/{m}.toml")), q).unwrap();
    }
    course.push_str(
        r#"[[certifications]]
id = "foundation"
title = "Certificate of Completion"
paths = ["foundation"]
exam = { questions = 3, minutes = 120, pass_percent = 70 }
capstone = true

[[certifications]]
id = "professional"
title = "Professional Certification"
prerequisite = "foundation"
paths = ["professional"]
exam = { questions = 3, minutes = 180, pass_percent = 75 }
capstone = true

[[certifications]]
id = "expert"
title = "Expert Certification"
prerequisite = "professional"
paths = ["expert"]
exam = { questions = 3, minutes = 240, pass_percent = 80 }
capstone = true

[[certifications]]
id = "architect"
title = "Architect Certification"
prerequisite = "expert"
paths = ["django"]
any_path = true
project_based = true
portfolio = true
capstone = true

[[grades]]
min = 90
grade = "A+"
label = "Distinction"

[[grades]]
min = 70
grade = "B"
label = "Satisfactory"

[[grades]]
min = 0
grade = "F"
label = "Not Certified"
"#,
    );
    std::fs::write(c.join("course.toml"), course).unwrap();
    c
}
