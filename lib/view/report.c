/* memhp report: the run as one HTML page (report.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "draw.h"
#include "explain.h"
#include "machine.h"
#include "report.h"
#include "scenario.h"
#include "strbuf.h"

#define STR2(x)	     #x
#define MEMHP_STR(x) STR2(x)

struct report {
	const struct scenario *sc;
	struct strbuf steps, maps;
	struct json_object *explain; /* [{label, capped, blocks: {id: text}}] */
	int nr_snapshots;
};

struct report *report_new(const struct scenario *sc)
{
	struct report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->sc = sc;
	r->explain = json_object_new_array();
	if (!r->explain) {
		free(r);
		return NULL;
	}
	return r;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	strbuf_release(&r->steps);
	strbuf_release(&r->maps);
	json_object_put(r->explain);
	free(r);
}

int report_add_step(struct report *r, int index, const char *kind, const char *line,
		    const char *error)
{
	strbuf_addf(&r->steps, "<tr%s><td>%d</td><td>", error ? " class=\"err\"" : "", index);
	draw_xml_escape(&r->steps, kind);
	strbuf_add(&r->steps, "</td><td><code>");
	draw_xml_escape(&r->steps, line);
	strbuf_add(&r->steps, "</code>");
	if (error) {
		strbuf_add(&r->steps, "<br>");
		draw_xml_escape(&r->steps, error);
	}
	strbuf_add(&r->steps, "</td></tr>\n");
	return strbuf_error(&r->steps);
}

/* explain_block()'s text for block id, or NULL when there is none. */
static struct json_object *block_text(const struct scenario *sc, const struct machine *m,
				      const char *label, uint64_t id, report_trace_fn trace,
				      void *arg)
{
	struct explain_input in = {.sc = sc, .m = m, .at_label = label, .block = id};
	struct json_object *e, *s;
	struct strbuf sb = {0};
	int err = 0;

	trace(arg, id, &in.onlined_step, &in.decision);
	e = explain_block(&in, &err);
	if (!e)
		return NULL;
	explain_format_text(e, &sb);
	json_object_put(e);
	s = sb.oom || !sb.buf ? NULL : json_object_new_string(sb.buf);
	strbuf_release(&sb);
	return s;
}

static int snapshot_explain(struct report *r, const struct machine *m, const char *label,
			    report_trace_fn trace, void *arg)
{
	struct json_object *snap = json_object_new_object(), *blocks = json_object_new_object();
	const struct memory_block *b;
	uint64_t id, n = 0;
	bool capped = false;

	if (!snap || !blocks || json_object_array_add(r->explain, snap)) {
		json_object_put(snap);
		json_object_put(blocks);
		return -ENOMEM;
	}
	json_object_object_add(snap, "label", json_object_new_string(label));
	json_object_object_add(snap, "blocks", blocks);
	idtree_for_each(&m->kernel->blocks, id, b)
	{
		struct json_object *t;
		char key[24];

		if (n++ == REPORT_EXPLAIN_MAX) {
			capped = true;
			break;
		}
		t = block_text(r->sc, m, label, id, trace, arg);
		if (!t)
			return -ENOMEM;
		snprintf(key, sizeof(key), "%" PRIu64, id);
		json_object_object_add(blocks, key, t);
	}
	json_object_object_add(snap, "capped", json_object_new_boolean(capped));
	return 0;
}

int report_add_snapshot(struct report *r, const struct machine *m, const char *label,
			report_trace_fn trace, void *arg)
{
	int idx = r->nr_snapshots++, ret;

	strbuf_addf(&r->maps,
		    "<section class=\"snap\" id=\"snap%d\" data-snap=\"%d\"><h3>snapshot ", idx,
		    idx);
	draw_xml_escape(&r->maps, label);
	strbuf_add(&r->maps, "</h3>\n<div class=\"mapwrap\">");
	ret = draw_map(m, label, &r->maps, NULL);
	strbuf_addf(&r->maps,
		    "</div>\n<p class=\"hint\">Click a cell for its explanation "
		    "(<code>memhp explain --block N --at LABEL</code>).</p>"
		    "<pre class=\"explain\" id=\"explain%d\">(no block chosen)</pre></section>\n",
		    idx);
	if (!ret)
		ret = strbuf_error(&r->maps);
	return ret ? ret : snapshot_explain(r, m, label, trace, arg);
}

static const char report_css[] =
    "body{font-family:sans-serif;margin:1em 2em;color:#222}"
    "table.steps{border-collapse:collapse;font-size:13px}"
    "table.steps td{border-bottom:1px solid #ddd;padding:2px 8px;vertical-align:top}"
    "tr.err{background:#fdecea}.mapwrap{overflow:auto;max-height:90vh}"
    "pre.explain{background:#f6f8fa;border:1px solid #ddd;padding:8px;white-space:pre-wrap;"
    "max-width:100em}svg.memmap rect.c{cursor:pointer}.hint{font-size:12px;color:#555}";

/* The click handler: the SVG's own coordinates, through its data-*
 * geometry, to a block number; and #probe=SNAP:BLOCK, for the browser
 * test, writes the fill of what is drawn at that block's cell centre and
 * the first line of its explanation into #probe. */
static const char report_js[] =
    "(function(){\n"
    "var EX=JSON.parse(document.getElementById('explain-data').textContent);\n"
    "function geo(svg){var d=svg.dataset;return{cols:+d.cols,x0:+d.x0,y0:+d.y0,cw:+d.cw,"
    "ch:+d.ch,pitch:+d.pitch,n:+d.blocks};}\n"
    "function text(snap,b){var s=EX[snap];if(!s)return'';var t=s.blocks[String(b)];"
    "if(t!==undefined)return t;return s.capped?'memory'+b+': not precomputed (the report "
    "explains the first " MEMHP_STR(
	REPORT_EXPLAIN_MAX) " blocks of a snapshot); run memhp "
			    "explain FILE --block '+b+' --at '+s.label:'memory'+b+': no memory "
			    "block here';}\n"
			    "function blockAt(svg,cx,cy){var "
			    "g=geo(svg),p=svg.createSVGPoint();p.x=cx;p.y=cy;"
			    "p=p.matrixTransform(svg.getScreenCTM().inverse());var "
			    "c=Math.floor((p.x-g.x0)/g.cw),"
			    "r=Math.floor((p.y-g.y0)/"
			    "g.pitch);if(c<0||c>=g.cols||r<0||p.y-g.y0-r*g.pitch>g.ch)"
			    "return -1;var b=r*g.cols+c;return b<g.n?b:-1;}\n"
			    "document.querySelectorAll('section.snap').forEach(function(sec){var "
			    "i=+sec.dataset.snap,"
			    "svg=sec.querySelector('svg.memmap');svg.addEventListener('click',"
			    "function(e){"
			    "var b=blockAt(svg,e.clientX,e.clientY);if(b<0)return;"
			    "document.getElementById('explain'+i).textContent=text(i,b);});});\n"
			    "var m=/#probe=(\\d+):(\\d+)/.exec(location.hash);if(m){var "
			    "i=+m[1],b=+m[2],"
			    "svg=document.querySelector('#snap'+i+' "
			    "svg.memmap'),g=geo(svg);svg.scrollIntoView();"
			    "var p=svg.createSVGPoint();p.x=g.x0+(b%g.cols)*g.cw+g.cw/2;"
			    "p.y=g.y0+Math.floor(b/g.cols)*g.pitch+g.ch/"
			    "2;p=p.matrixTransform(svg.getScreenCTM());"
			    "var el=document.elementFromPoint(p.x,p.y),back=blockAt(svg,p.x,p.y);"
			    "var pr=document.getElementById('probe');pr.setAttribute('data-fill',"
			    "el?getComputedStyle(el).fill:'none');pr.setAttribute('data-class',el?"
			    "el.getAttribute('class'):'');"
			    "pr.setAttribute('data-block',String(back));"
			    "pr.textContent=text(i,b).split('\\n')[0];}\n"
			    "})();\n";

int report_finish(struct report *r, const struct draw_timeline *t, char **html)
{
	struct strbuf sb = {0};
	const char *data;

	*html = NULL;
	strbuf_add(&sb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			"<title>memhp report: ");
	draw_xml_escape(&sb, r->sc->path);
	strbuf_addf(&sb, "</title>\n<style>%s", report_css);
	for (int k = 0; k < DRAW_NR_KINDS; k++)
		strbuf_addf(&sb, ".z-%s{fill:%s}", draw_kind_name(k), draw_kind_colour(k));
	strbuf_add(&sb, "</style></head><body>\n<h1>memhp report: ");
	draw_xml_escape(&sb, r->sc->name ? r->sc->name : r->sc->path);
	strbuf_add(&sb, "</h1>\n<p>");
	draw_xml_escape(&sb, r->sc->path);
	if (r->sc->description) {
		strbuf_add(&sb, ": ");
		draw_xml_escape(&sb, r->sc->description);
	}
	strbuf_add(
	    &sb,
	    "</p>\n<div id=\"probe\" class=\"hint\"></div>\n<h2>Steps</h2>\n<table class=\"steps\">"
	    "<tr><td>#</td><td>kind</td><td>line</td></tr>\n");
	if (r->steps.buf)
		strbuf_add(&sb, r->steps.buf);
	strbuf_add(&sb, "</table>\n<h2>Timeline</h2>\n");
	if (draw_timeline_svg(t, "the run, step by step", &sb))
		sb.oom = true;
	strbuf_add(&sb, "<h2>Memory maps</h2>\n");
	if (!r->nr_snapshots)
		strbuf_add(&sb, "<p>The scenario takes no snapshot.</p>\n");
	if (r->maps.buf)
		strbuf_add(&sb, r->maps.buf);
	/* json-c escapes '/', so "</script>" cannot occur in the data. */
	data = json_object_to_json_string_ext(r->explain, JSON_C_TO_STRING_PLAIN);
	strbuf_add(&sb, "<script type=\"application/json\" id=\"explain-data\">");
	strbuf_add(&sb, data ? data : "[]");
	strbuf_addf(&sb, "</script>\n<script>%s</script>\n</body></html>\n", report_js);
	if (sb.oom || strbuf_detach(&sb, html)) {
		strbuf_release(&sb);
		return -ENOMEM;
	}
	return 0;
}
