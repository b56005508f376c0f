"""How well the detectors find what they should, measured on labelled sets generated here: reports copied with other
village and person names, other numbers, reordered and edited, beside distinct reports on the same topics and the
template phrases everyone writes; photos resized, recompressed and lightly cropped beside other photos of the same
kind of scene. The same functions as the index (shingles, signatures, bands, perceptual hashes) do the work; only
the lookup is a dictionary here instead of the index's tables. The tests assert the figures; `python -m bench`
prints them."""

import io
import itertools
import random
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from . import perceptual, shingles

VILLAGES = [
    "青山村", "柳湾村", "白石村", "石门村", "东岭村", "西河村", "桃源村", "杨家坪村", "龙潭村", "梅林村",
    "枫树村", "黄土岗村", "新塘村", "竹园村", "高桥村", "马鞍山村", "金田村", "长冲村", "双河村", "清水村",
]  # fmt: skip
NAMES = [
    "李建国", "王秀英", "张志强", "刘桂兰", "陈文华", "杨德明", "赵春梅", "黄永福", "周丽萍", "吴国栋",
    "徐海燕", "孙立新", "胡玉珍", "朱建华", "高红梅", "林卫东", "何淑芬", "郭长青", "马金凤", "罗宏伟",
]  # fmt: skip
TOPICS = {
    "theme_day": {
        "act": ["开展乡村振兴主题党日", "走访慰问老党员", "清理村道垃圾", "学习党章党规", "重温入党誓词",
                "观看红色教育片", "开展义务植树", "为群众义诊", "整治河塘沟渠", "宣讲惠民政策"],
        "effect": ["群众满意度明显提升", "村容村貌焕然一新", "党员意识进一步增强", "解决群众难题三件",
                   "受到群众一致好评", "凝聚了干事创业合力", "营造了浓厚学习氛围", "带动群众共同参与"],
        "place": ["村部会议室", "党群服务中心", "文化广场", "村小学操场", "老年活动中心", "田间地头"],
    },
    "harvest": {
        "act": ["组织党员志愿队帮收稻谷", "为留守老人抢收玉米", "协调农机下田作业", "帮助农户晾晒谷物",
                "联系收购商上门收购", "开展秋收安全巡查", "为困难户代收代储", "组织青年党员突击队"],
        "effect": ["抢在降雨前完成收割", "减少粮食损失约一成", "老人们连声称谢", "农户增收明显",
                   "实现颗粒归仓", "困难户无一掉队"],
        "place": ["稻田", "晒谷场", "玉米地", "村粮站", "农户院落"],
    },
    "safety": {
        "act": ["排查森林防火隐患", "检查危旧房屋", "开展防溺水宣传", "巡查地质灾害点", "清理消防通道",
                "组织应急演练", "入户讲解用电安全", "检查液化气使用"],
        "effect": ["整改隐患多处", "群众安全意识增强", "未发生安全事故", "建立了隐患台账",
                   "落实了包保责任", "形成了长效机制"],
        "place": ["山林防火点", "危房户家中", "水库边", "滑坡点", "村道两侧"],
    },
}  # fmt: skip
SENTENCES = [
    "{v}党支部于{m}月{d}日在{p}组织{n}名党员{a}，{e}。",
    "支部书记{name}带头{a}，{e}。",
    "活动中，党员{name}、{name2}主动认领任务，{a}，共计{n}人次参与。",
    "我们把{a}作为重点工作，由{name}负责，{e}。",
    "本月共{a}{n}次，覆盖全村{n2}户。",
    "在{p}，{n}名党员分成{k}个小组{a}。",
    "针对群众反映的问题，支部立即{a}，{e}。",
    "{name}同志克服困难坚持{a}，{e}。",
    "活动结束后，支部召开座谈会总结经验，{e}。",
    "{v}还发动{n}名群众一起{a}，{e}。",
    "通过{a}，{e}，群众纷纷点赞。",
    "支部委员{name}对{a}情况进行了督查，{e}。",
    "截至{m}月底，累计{a}{n}次，投入资金{n2}元。",
    "我们在{p}设立党员先锋岗，安排{name}值守，{e}。",
    "组织{k}名入党积极分子参与{a}，{e}。",
    "{v}党员{name2}自费购买工具{a}，{e}。",
    "支部将{a}纳入党员积分管理，{e}。",
    "邀请镇里干部到{p}指导{a}，{e}。",
    "利用微信群通报{a}进展，{n}名在外党员积极响应。",
    "对照年初计划，{a}已完成{pc}%，{e}。",
]
# What makes each report its own: what was done where, to whom (drawn from enough words that two reports rarely
# say the same).
WHERE = ["村东头", "西山脚下", "村口", "河对岸", "三组", "五组", "学校旁", "老街", "新区", "后山", "渡口", "祠堂边"]
WHAT = [
    "路灯", "水渠", "便民桥", "垃圾池", "停车场", "文化墙", "健身器材", "自来水管", "排水沟", "宣传栏", "监控探头",
    "休息亭", "公厕", "晒场", "机耕道", "护栏", "消防栓", "通信线", "菜市场", "卫生室", "图书角", "养老食堂",
    "光伏板", "灌溉泵", "鱼塘堤", "茶园步道", "果园围栏", "老房屋顶", "集体仓库", "快递点",
]  # fmt: skip
DONE = [
    "修好了",
    "新建了",
    "清理了",
    "加固了",
    "更换了",
    "粉刷了",
    "疏通了",
    "登记了",
    "维护了",
    "改造了",
    "安装了",
    "检修了",
]
WHO = ["独居老人", "留守儿童", "残疾群众", "困难党员", "返乡青年", "种粮大户", "外出务工人员家属", "退役军人", "低保户"]

OPENING = "按照镇党委关于认真做好基层党建各项工作的统一部署和要求，我支部高度重视，精心组织，现将有关情况报告如下："
CLOSING = (
    "下一步，我支部将继续坚持以习近平新时代中国特色社会主义思想为指导，认真落实上级党委的各项部署要求，"
    "推动各项工作落地见效，为乡村振兴贡献力量。"
)


def _fill(rng: random.Random, template: str, topic: dict, village: str, names: tuple[str, str]) -> str:
    sentence = template.format(
        v=village,
        name=names[0],
        name2=names[1],
        a=rng.choice(topic["act"]),
        e=rng.choice(topic["effect"]),
        p=rng.choice(topic["place"]),
        n=rng.randint(3, 60),
        n2=rng.randint(20, 900),
        k=rng.randint(2, 8),
        m=rng.randint(1, 12),
        d=rng.randint(1, 28),
        pc=rng.randint(40, 100),
    )
    if rng.random() < 0.8:
        detail = (
            f"{rng.choice(WHERE)}{rng.choice(WHAT)}{rng.choice(DONE)}，帮助{rng.choice(WHO)}{rng.randint(2, 30)}户。"
        )
        sentence = sentence[:-1] + "，" + detail
    return sentence


@dataclass
class Report:
    text: str
    cluster: int  # reports of one cluster are copies of one another
    village: str
    names: tuple[str, str]
    sentences: list[str]


def _report(rng: random.Random, cluster: int) -> Report:
    topic = TOPICS[rng.choice(list(TOPICS))]
    village = rng.choice(VILLAGES)
    names = tuple(rng.sample(NAMES, 2))
    sentences = [_fill(rng, t, topic, village, names) for t in rng.sample(SENTENCES, rng.randint(4, 7))]
    return Report("", cluster, village, names, sentences)


def _with_template(rng: random.Random, sentences: list[str]) -> str:
    opening = OPENING if rng.random() < 0.6 else ""
    closing = CLOSING if rng.random() < 0.6 else ""
    return opening + "".join(sentences) + closing


def _copy(rng: random.Random, original: Report) -> list[str]:
    """A copy as branches make them: their own village and names, other numbers, sentences reordered, one dropped
    or one of their own added."""
    village = rng.choice([v for v in VILLAGES if v != original.village])
    names = tuple(rng.sample([n for n in NAMES if n not in original.names], 2))
    sentences = []
    for s in original.sentences:
        s = s.replace(original.village, village).replace(original.names[0], names[0])
        s = s.replace(original.names[1], names[1])
        sentences.append("".join(str(rng.randint(1, 99)) if ch.isdigit() else ch for ch in s))
    rng.shuffle(sentences)
    if rng.random() < 0.5 and len(sentences) > 4:
        sentences.pop(rng.randrange(len(sentences)))
    if rng.random() < 0.5:
        topic = TOPICS[rng.choice(list(TOPICS))]
        sentences.insert(rng.randrange(len(sentences) + 1), _fill(rng, rng.choice(SENTENCES), topic, village, names))
    return sentences


def text_corpus(*, originals: int = 400, copies: int = 150, seed: int = 7) -> list[Report]:
    """Distinct reports (on three topics, most with the same opening and closing), and copies of some of them,
    shuffled into the order they arrive."""
    rng = random.Random(seed)
    reports = [_report(rng, cluster) for cluster in range(originals)]
    for r in reports:
        r.text = _with_template(rng, r.sentences)
    made = []
    for _ in range(copies):
        original = rng.choice(reports)
        sentences = _copy(rng, original)
        made.append(Report(_with_template(rng, sentences), original.cluster, "", ("", ""), sentences))
    everything = reports + made
    rng.shuffle(everything)
    return everything


@dataclass
class Quality:
    true_pairs: int
    found: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.true_pairs if self.true_pairs else 1.0


def evaluate_text(reports: list[Report]) -> Quality:
    """Each report checked against those before it, through the LSH bands, the MinHash estimate and the exact
    similarity, as the index does; the stop list learnt from the corpus first, as `grassroots formalism index` does."""
    stop = shingles.learn_stop_shingles(shingles.shingles(r.text) for r in reports)
    buckets: dict[int, list[int]] = defaultdict(list)
    sigs: list[shingles.Signature] = []
    found: set[tuple[int, int]] = set()
    for i, report in enumerate(reports):
        sig = shingles.signature(report.text, stop)
        sigs.append(sig)
        if not sig.informative:
            continue
        keys = sig.bands()
        candidates = {j for key in keys for j in buckets[key]}
        for j in candidates:
            if shingles.estimated_jaccard(sigs[j].hashvalues[None, :], sig.hashvalues)[0] < shingles.PREFILTER:
                continue
            if shingles.jaccard(sig.shingles, sigs[j].shingles) >= shingles.THRESHOLD:
                found.add((j, i))
        for key in keys:
            buckets[key].append(i)
    truth = {
        (i, j) for i, j in itertools.combinations(range(len(reports)), 2) if reports[i].cluster == reports[j].cluster
    }
    return Quality(true_pairs=len(truth), found=len(found), correct=len(found & truth))


# ---------------------------------------------------------------- photos

SCENES = {
    "meeting_room": ((205, 195, 175), (120, 80, 50)),
    "fields": ((125, 175, 230), (85, 140, 60)),
    "hall": ((180, 35, 35), (220, 200, 160)),
}


def scene(rng: np.random.Generator, kind: str, size=(800, 600)) -> Image.Image:
    """A photo of a kind of scene (a meeting room, fields, a hall): the kind's colours, shapes where people and
    things stand, the noise of a phone's camera."""
    width, height = size
    top, bottom = SCENES[kind]
    image = Image.new("RGB", size, top)
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.35, 0.65))
    draw.rectangle([0, horizon, width, height], fill=tuple(int(c + rng.integers(-30, 30)) for c in bottom))
    for _ in range(int(rng.integers(5, 15))):
        x, y, r = int(rng.integers(0, width)), int(rng.integers(0, height)), int(rng.integers(15, 90))
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
        else:
            draw.rectangle([x - r, y - r // 2, x + r, y + r], fill=colour)
    noisy = np.asarray(image, dtype=np.int16) + rng.normal(0, 12, (height, width, 3)).astype(np.int16)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1))


def recompressed(image: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue()))


def cropped(image: Image.Image, share: float, rng: np.random.Generator) -> Image.Image:
    width, height = image.size
    left, top, right, bottom = (rng.uniform(0, share) for _ in range(4))
    return image.crop((int(width * left), int(height * top), width - int(width * right), height - int(height * bottom)))


def altered(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A copy as it travels: resized, recompressed, lightly cropped, or all three."""
    width, height = image.size
    kind = int(rng.integers(0, 4))
    if kind == 0:
        factor = rng.uniform(0.3, 0.7)
        return image.resize((int(width * factor), int(height * factor)))
    if kind == 1:
        return recompressed(image, int(rng.integers(25, 70)))
    if kind == 2:
        return cropped(image, 0.06, rng)
    return recompressed(cropped(image, 0.05, rng).resize((width // 2, height // 2)), 50)


def photo_corpus(*, originals: int = 60, copies: int = 40, seed: int = 11) -> list[tuple[int, Image.Image]]:
    """(cluster, photo): photos of three kinds of scene, and altered copies of some of them."""
    rng = np.random.default_rng(seed)
    kinds = list(SCENES)
    photos = [(i, scene(rng, kinds[i % len(kinds)])) for i in range(originals)]
    for _ in range(copies):
        cluster = int(rng.integers(0, originals))
        photos.append((cluster, altered(photos[cluster][1], rng)))
    order = rng.permutation(len(photos))
    return [photos[i] for i in order]


def evaluate_photos(photos: list[tuple[int, Image.Image]]) -> Quality:
    """Each photo checked against those before it through the bands (`perceptual.keys`), then by distance."""
    buckets: dict[int, set[int]] = defaultdict(set)
    hashes: list[list[int]] = []
    found: set[tuple[int, int]] = set()
    for i, (_cluster, photo) in enumerate(photos):
        mine = perceptual.variants(photo)
        hashes.append(mine)
        kept, looked_up = perceptual.keys(mine)
        candidates = {j for key in looked_up for j in buckets[key]}
        for j in candidates:
            if perceptual.distance(mine, hashes[j]) <= perceptual.THRESHOLD:
                found.add((j, i))
        for key in kept:
            buckets[key].add(i)
    truth = {(i, j) for i, j in itertools.combinations(range(len(photos)), 2) if photos[i][0] == photos[j][0]}
    return Quality(true_pairs=len(truth), found=len(found), correct=len(found & truth))
